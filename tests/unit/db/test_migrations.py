"""The migrations produce exactly the schema the code declares."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from mlhive.server.config import Settings
from mlhive.server.db.engine import make_engine
from mlhive.server.db.migrate import alembic_config, current_revision, upgrade
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
    assert current_revision(engine) == "0011"
    engine.dispose()


def test_keys_from_before_scopes_stay_write_keys_and_read_keys_do_not_survive_a_downgrade(
    settings: Settings,
) -> None:
    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    command.downgrade(config, "0009")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, name, is_admin, created_at) "
                "VALUES (1, 'old', false, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO api_keys (id, user_id, key_hash, prefix, label, created_at) "
                "VALUES (1, 1, 'h1', 'mlh_old', 'old', CURRENT_TIMESTAMP)"
            )
        )
    upgrade(engine)
    with engine.begin() as conn:
        assert conn.scalar(text("SELECT scope FROM api_keys WHERE id = 1")) == "write"
        conn.execute(
            text(
                "INSERT INTO api_keys (id, user_id, key_hash, prefix, label, scope, created_at) "
                "VALUES (2, 1, 'h2', 'mlh_new', 'new', 'read', CURRENT_TIMESTAMP)"
            )
        )
    command.downgrade(config, "0009")
    with engine.connect() as conn:
        revoked = dict(conn.execute(text("SELECT id, revoked_at FROM api_keys")).all())
    upgrade(engine)
    engine.dispose()
    assert revoked[1] is None  # the write key still works
    assert revoked[2] is not None  # the read key would otherwise have become a write key
