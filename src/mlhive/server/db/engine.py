"""Engine and session factories. Nothing here runs at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

READONLY_OPTION = "mlhive_readonly"
BUSY_OPTION = "mlhive_busy_ms"
DEFAULT_BUSY_MS = 30_000
"""How long SQLite waits for a lock before failing with "database is locked"."""


SQLITE_POOL_SIZE = 16
"""Connections kept open to a SQLite file (SQLAlchemy's default keeps five)."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and ``synchronous=FULL``.

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///path.sqlite3`` or ``postgresql+psycopg://…``.
        **kwargs: passed on to :func:`sqlalchemy.create_engine`.
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        if ":memory:" not in url and url.rstrip("/") != "sqlite:":
            # Connections to a file are cheap to keep: hold enough for the requests a server
            # answers at once, rather than opening (and setting up) one for each beyond five.
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, decide when a transaction starts: BEGIN IMMEDIATE
        # takes the write lock up front, so two writers queue instead of deadlocking.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={DEFAULT_BUSY_MS}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    options = conn.get_execution_options()
    # Pooled connections serve requests (short wait) and jobs (long wait) in turn.
    busy_ms = int(options.get(BUSY_OPTION, DEFAULT_BUSY_MS))
    if conn.info.get(BUSY_OPTION, DEFAULT_BUSY_MS) != busy_ms:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
        conn.info[BUSY_OPTION] = busy_ms
    conn.exec_driver_sql("BEGIN" if options.get(READONLY_OPTION, False) else "BEGIN IMMEDIATE")


def optimize(engine: Engine) -> None:
    """Refresh the query planner's statistics where the database does not do it itself.

    SQLite plans without statistics until ANALYZE runs (and then may, say, scan a quality
    name's index instead of a dataset's primary key); with ``analysis_limit`` it samples each
    index instead of reading it whole, so this stays fast on large tables. PostgreSQL's
    autovacuum keeps its own statistics.
    """
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            conn.exec_driver_sql("ANALYZE")


def make_session_factory(
    engine: Engine, *, readonly: bool = False, busy_seconds: float | None = None
) -> sessionmaker[Session]:
    """A session factory whose sessions keep loaded objects usable after commit.

    ``readonly`` sessions start SQLite transactions without the write lock, so readers
    never queue behind a writer (WAL lets them read the last committed state).
    ``busy_seconds`` bounds how long a SQLite transaction waits for a lock held elsewhere
    (30 s when omitted) before failing with "database is locked".
    """
    options: dict[str, Any] = {}
    if readonly:
        options[READONLY_OPTION] = True
    if busy_seconds is not None:
        options[BUSY_OPTION] = max(1, round(busy_seconds * 1000))
    if options:
        engine = engine.execution_options(**options)
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
