"""Which machine failures become typed answers: PostgreSQL's lock and serialization errors and
SQLite's busy and full errors; any other database or file error stays unexpected."""

from __future__ import annotations

import errno
import os

import pytest
from sqlalchemy.exc import OperationalError

from mlhive.server.domain.errors import InsufficientStorage, Unavailable
from mlhive.server.http.failures import translate


class DriverError(Exception):
    """What psycopg raises: a message and the SQLSTATE of the failure."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def operational(message: str, sqlstate: str | None = None) -> OperationalError:
    return OperationalError("UPDATE jobs SET ...", {}, DriverError(message, sqlstate))


@pytest.mark.parametrize(
    "failure",
    [
        operational("database is locked"),
        operational("canceling statement due to lock timeout", "55P03"),
        operational("could not serialize access due to concurrent update", "40001"),
        operational("deadlock detected", "40P01"),
    ],
)
def test_lock_failures_are_a_busy_database(failure: OperationalError) -> None:
    found = translate(failure)
    assert isinstance(found, Unavailable) and found.retry_after > 0


@pytest.mark.parametrize(
    "failure",
    [
        OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
        OSError(errno.EDQUOT, os.strerror(errno.EDQUOT)),
        operational("database or disk is full"),
        operational("could not extend file: No space left on device", "53100"),
    ],
)
def test_space_failures_are_insufficient_storage(failure: Exception) -> None:
    assert isinstance(translate(failure), InsufficientStorage)


def test_a_wrapped_full_disk_is_found_through_its_cause() -> None:
    wrapped = RuntimeError("writing the Parquet file failed")
    wrapped.__cause__ = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert isinstance(translate(wrapped), InsufficientStorage)


@pytest.mark.parametrize(
    "failure",
    [
        operational("no such table: jobs"),
        FileNotFoundError(errno.ENOENT, "gone"),
        PermissionError(errno.EACCES, "denied"),
        ValueError("not a machine failure"),
    ],
)
def test_other_failures_stay_unexpected(failure: Exception) -> None:
    assert translate(failure) is None
