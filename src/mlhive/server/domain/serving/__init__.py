"""Pure serving rules: alias names, and prediction inputs checked against a model's schema."""
