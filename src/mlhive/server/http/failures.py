"""Failures of the machine, not of the request: a database lock held too long, a full disk.

They surface as a driver's ``OperationalError`` or an ``OSError`` from deep inside a service;
:func:`translate` names the ones a client can act on as domain errors, so every face answers
them from its usual table: 503 with ``Retry-After`` for a busy database, 507 for a full disk.
Anything else stays unexpected (a 500 with its traceback in the log).
"""

from __future__ import annotations

import errno
import os

from sqlalchemy.exc import DBAPIError

from mlhive.server.domain.errors import DomainError, InsufficientStorage, Unavailable

RETRY_AFTER_SECONDS = 5
"""What a busy answer asks the client to wait: about one lock holder's transaction."""

FAILURES: tuple[type[Exception], ...] = (DBAPIError, OSError)
"""The exception types whose handlers call :func:`translate` (register these on each face)."""

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_FULL_TEXT = os.strerror(errno.ENOSPC)
# PostgreSQL: lock_not_available (lock_timeout, NOWAIT), serialization_failure, deadlock.
_BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01"})
# SQLite: SQLITE_BUSY, SQLITE_LOCKED; SQLITE_FULL.
_BUSY_SQLITE = ("database is locked", "database table is locked", "database is busy")
_FULL_SQLITE = "database or disk is full"


def translate(exc: BaseException) -> DomainError | None:
    """The domain error a machine failure stands for, or None when it is unexpected.

    Args:
        exc: what a request raised; its ``__cause__``/``__context__`` chain is searched too,
            as a library may wrap the ``OSError`` it met.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _direct(current)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__
    return None


def _direct(exc: BaseException) -> DomainError | None:
    if isinstance(exc, DBAPIError):
        return _database(exc)
    if isinstance(exc, OSError) and (exc.errno in _FULL_ERRNOS or _FULL_TEXT in str(exc)):
        return full_disk()
    return None


def _database(exc: DBAPIError) -> DomainError | None:
    original = exc.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    message = str(original).lower()
    if sqlstate in _BUSY_SQLSTATES or message.startswith(_BUSY_SQLITE):
        return Unavailable(
            "the database is busy with other writes; retry in a few seconds",
            retry_after=RETRY_AFTER_SECONDS,
        )
    if sqlstate == "53100" or message.startswith(_FULL_SQLITE):  # 53100: disk_full
        return full_disk()
    return None


def full_disk() -> InsufficientStorage:
    """The error of a write that found no space left (nothing of it was kept)."""
    return InsufficientStorage(
        "the server's disk is full: nothing was stored; retry once an administrator has freed space"
    )
