"""Serving: aliases of model commits, deployments, and the per-process model cache."""
