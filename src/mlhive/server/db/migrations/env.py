"""Alembic environment: the engine comes from :func:`mlhive.server.db.migrate.alembic_config`."""

from __future__ import annotations

from alembic import context

from mlhive.server.db.schema import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
