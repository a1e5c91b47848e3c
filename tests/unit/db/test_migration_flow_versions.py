"""Migration 0008 numbers the flows that exist already, per name in upload order."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from mlhive.server.db.engine import make_engine
from mlhive.server.db.migrate import upgrade

FLOW = (
    "INSERT INTO flows (id, name, external_version, class_name, custom_name, description, "
    "language, dependencies, installation_notes, parameters, uploader_id, upload_date) "
    "VALUES (:id, :name, :version, '', '', '', 'English', '', '', '[]', 1, '2026-01-01')"
)


def test_existing_flows_get_openml_versions(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0007")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, name, is_admin, created_at) "
                "VALUES (1, 'alice', false, '2026-01-01')"
            )
        )
        for flow_id, name, version in [(1, "a", "1.0"), (2, "b", "1.0"), (3, "a", "2.0")]:
            conn.execute(text(FLOW), {"id": flow_id, "name": name, "version": version})
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, version FROM flows ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [(1, 1), (2, 1), (3, 2)]
