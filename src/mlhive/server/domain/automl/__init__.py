"""Pure maths of the automl capability: meta-features, similarity, portfolios."""
