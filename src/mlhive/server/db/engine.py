"""Engine and session factories. Nothing here runs at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

READONLY_OPTION = "mlhive_readonly"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and ``synchronous=FULL``.

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///path.sqlite3`` or ``postgresql+psycopg://…``.
        **kwargs: passed on to :func:`sqlalchemy.create_engine`.
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
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
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    readonly = conn.get_execution_options().get(READONLY_OPTION, False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


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


def make_session_factory(engine: Engine, *, readonly: bool = False) -> sessionmaker[Session]:
    """A session factory whose sessions keep loaded objects usable after commit.

    ``readonly`` sessions start SQLite transactions without the write lock, so readers
    never queue behind a writer (WAL lets them read the last committed state).
    """
    if readonly:
        engine = engine.execution_options(**{READONLY_OPTION: True})
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
