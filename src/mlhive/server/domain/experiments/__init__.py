"""Pure experiment rules: estimation procedures, splits, predictions and metrics."""
