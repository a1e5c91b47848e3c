"""Real demo content: offline datasets and a few experiments on them."""
