"""Pure dataset rules: life cycle, features, qualities and landmarkers."""
