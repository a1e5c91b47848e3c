"""Alembic environment: the engine comes from :func:`mlhive.server.db.migrate.alembic_config`.

Several servers and workers may start at once on one database, each migrating it: the
migrations run in one transaction that first takes a database-wide lock, so exactly one
process migrates while the others wait, then find the schema at head and do nothing. On
PostgreSQL that lock is a transaction-level advisory lock (freed at commit, or when a killed
process's connection drops); on SQLite it is the database's write lock, taken by
``BEGIN IMMEDIATE`` and held to the end of the upgrade, waited for as long as a migration may
take.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from mlhive.server.db.engine import BUSY_OPTION
from mlhive.server.db.schema import metadata

# An arbitrary constant naming mlhive's migration lock among the database's advisory locks.
MIGRATION_LOCK = 0x6D6C6869_7665  # "mlhive"
# How long a process waits for another's migration on SQLite (a long one rewrites tables).
SQLITE_WAIT_MS = 15 * 60 * 1000

config = context.config
engine = config.attributes["engine"]

with engine.connect().execution_options(**{BUSY_OPTION: SQLITE_WAIT_MS}) as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # SQLite can roll DDL back too: one transaction for the whole upgrade (all or
        # nothing), so the lock is held until the schema is at head.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()
    connection.commit()
