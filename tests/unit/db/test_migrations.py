"""The migrations produce exactly the schema the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mlhive.server.config import Settings
from mlhive.server.db.engine import make_engine
from mlhive.server.db.migrate import current_revision, upgrade
from mlhive.server.db.schema import metadata


def test_migrated_schema_matches_the_tables(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == [], "tables.py changed without a migration: add one under migrations/versions"


def test_upgrade_is_idempotent_and_reports_head(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == "0014"
    engine.dispose()
