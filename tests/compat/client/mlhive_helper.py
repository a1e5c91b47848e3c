"""Helper the OpenML compatibility tests run with mlhive's own Python (the openml environment
has no mlhive): prepare a PostgreSQL database, and seed many datasets at once.

    python mlhive_helper.py prepare-db URL
    python mlhive_helper.py seed URL TEMPLATE_ID COUNT
"""

from __future__ import annotations

import sys

from sqlalchemy import insert, make_url, select, text

from mlhive.server.db.engine import make_engine
from mlhive.server.db.tables.datasets import Dataset, Quality


def prepare_db(url: str) -> str:
    """Create (or empty) the database named by ``url``; print the URL to use."""
    parsed = make_url(url)
    admin = make_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        found = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not found:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def seed(url: str, template_id: int, count: int) -> None:
    """Insert ``count`` active copies of a processed dataset (same stored files)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        template = (
            conn.execute(select(Dataset.__table__).where(Dataset.id == template_id))
            .mappings()
            .one()
        )
        qualities = conn.execute(
            select(Quality.name, Quality.value).where(
                Quality.dataset_id == template_id,
                Quality.name.in_(["NumberOfInstances", "NumberOfFeatures"]),
            )
        ).all()
        first = conn.scalar(select(Dataset.id).order_by(Dataset.id.desc()).limit(1)) or 0
        rows = [
            {
                **{k: v for k, v in template.items() if k != "id"},
                "id": first + i + 1,
                "name": f"bulk-{first + i + 1}",
                "version": 1,
                "status": "active",
            }
            for i in range(count)
        ]
        conn.execute(insert(Dataset), rows)
        conn.execute(
            insert(Quality),
            [{"dataset_id": r["id"], "name": n, "value": v} for r in rows for n, v in qualities],
        )
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('datasets', 'id'), :n)"),
                {"n": first + count},
            )
    engine.dispose()


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "prepare-db":
        print(prepare_db(args[0]))
    elif command == "seed":
        seed(args[0], int(args[1]), int(args[2]))
    else:
        raise SystemExit(f"unknown command {command!r}")
