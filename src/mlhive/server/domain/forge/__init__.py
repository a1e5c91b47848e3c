"""Pure forge rules: safe model formats, tensors, cards, merges and estimator rebuilding."""
