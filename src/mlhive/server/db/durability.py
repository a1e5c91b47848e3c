"""What the database does to keep a committed write through a crash or power loss.

The server relies on it (a blob is renamed into place before its row commits; a job's row
decides whether it ran), so the settings in force are read back from the database itself
and logged at start: a PostgreSQL tuned for speed (``fsync=off``) shows in the first lines.
"""

from __future__ import annotations

from sqlalchemy import Engine

# SQLite answers PRAGMA synchronous with a number.
_SYNCHRONOUS = {"0": "off", "1": "normal", "2": "full", "3": "extra"}
POSTGRES_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")


def durability(engine: Engine) -> dict[str, str]:
    """The durability settings of the database in force, as ``name: value`` (lower case).

    SQLite: ``journal_mode`` (``wal``) and ``synchronous`` (``full``); PostgreSQL:
    ``fsync``, ``synchronous_commit`` and ``full_page_writes`` (all ``on`` by default).
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            synchronous = str(conn.exec_driver_sql("PRAGMA synchronous").scalar())
            found = {"journal_mode": str(journal), "synchronous": _SYNCHRONOUS.get(synchronous)}
        elif engine.dialect.name == "postgresql":
            found = {
                name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in POSTGRES_SETTINGS
            }
        else:
            found = {}
    return {name: str(value).lower() for name, value in found.items()}


def describe(engine: Engine) -> str:
    """One line for the start-up log: ``sqlite: journal_mode=wal synchronous=full``."""
    settings = " ".join(f"{name}={value}" for name, value in durability(engine).items())
    return f"{engine.dialect.name}: {settings or 'unknown'}"
