"""The automl capability: similar datasets and recommendations learned from stored runs."""
