"""SQLAlchemy tables, one module per capability; `db.schema` imports them all."""
