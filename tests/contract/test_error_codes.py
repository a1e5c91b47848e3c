"""Every ErrorCode has an entry in each of the three tables that translate it.

A code missing from the server's status table turns its problem document into a 500; missing
from the client's table, ``raise_for_status`` raises ``KeyError`` instead of an ``APIError``;
missing from the OpenML face's table, the face answers with a bare 500.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pytest

from mlhive import errors as client_errors
from mlhive.server.api.errors import STATUS
from mlhive.server.domain import errors as domain_errors
from mlhive.server.openml.errors import ERROR_STATUS, GENERIC
from mlhive.wire.errors import ErrorCode

TABLES: dict[str, Mapping[ErrorCode, object]] = {
    "server status (server/api/errors.py:STATUS)": STATUS,
    "client exception (mlhive/errors.py:_BY_CODE)": client_errors._BY_CODE,
    "OpenML code (server/openml/errors.py:GENERIC)": GENERIC,
}

# The statuses each client exception stands for.
CLIENT_STATUS: dict[type[client_errors.APIError], range] = {
    client_errors.AuthenticationError: range(401, 402),
    client_errors.PermissionDeniedError: range(403, 404),
    client_errors.NotFoundError: range(404, 405),
    client_errors.ConflictError: range(409, 410),
    client_errors.PayloadTooLargeError: range(413, 414),
    client_errors.RateLimitedError: range(429, 430),
    client_errors.InvalidInputError: range(400, 500),
    client_errors.ServerError: range(500, 600),
}


def missing(table: Mapping[ErrorCode, object]) -> list[ErrorCode]:
    """The codes a table has no entry for."""
    return [code for code in ErrorCode if code not in table]


@pytest.mark.parametrize("name", list(TABLES))
def test_every_code_has_an_entry(name: str) -> None:
    assert missing(TABLES[name]) == [], f"add the missing codes to the {name} table"


@pytest.mark.parametrize("name", list(TABLES))
def test_a_removed_entry_is_reported(name: str) -> None:
    damaged = dict(TABLES[name])
    del damaged[ErrorCode.NOT_FOUND]
    assert missing(damaged) == [ErrorCode.NOT_FOUND]


@pytest.mark.parametrize("code", list(ErrorCode))
def test_the_client_exception_agrees_with_the_server_status(code: ErrorCode) -> None:
    cls = client_errors._BY_CODE[code]
    assert STATUS[code] in CLIENT_STATUS[cls], f"{code}: {cls.__name__} vs {STATUS[code]}"


@pytest.mark.parametrize("code", list(ErrorCode))
def test_a_problem_document_becomes_the_mapped_exception(code: ErrorCode) -> None:
    response = httpx.Response(
        STATUS[code],
        json={"code": code.value, "detail": "why", "status": STATUS[code]},
        request=httpx.Request("GET", "http://hive/api/x"),
    )
    with pytest.raises(client_errors._BY_CODE[code]) as caught:
        client_errors.raise_for_status(response)
    assert "why" in str(caught.value)


def test_each_domain_error_category_has_a_status_of_its_kind() -> None:
    expected = {
        domain_errors.Unauthenticated: 401,
        domain_errors.PermissionDenied: 403,
        domain_errors.NotFound: 404,
        domain_errors.Conflict: 409,
        domain_errors.PayloadTooLarge: 413,
        domain_errors.InvalidInput: 422,
        domain_errors.StorageCorrupt: 500,
        domain_errors.Unavailable: 503,
        domain_errors.InsufficientStorage: 507,
    }
    assert {kind: STATUS[kind.default_code] for kind in expected} == expected


def test_openml_errors_are_412_except_the_server_s_own_failures_and_rate_limits() -> None:
    statuses = {code: status for code, (_, status) in GENERIC.items()}
    assert {code for code, status in statuses.items() if status != ERROR_STATUS} == {
        ErrorCode.STORAGE_CORRUPT,
        ErrorCode.DATABASE_BUSY,
        ErrorCode.INSUFFICIENT_STORAGE,
        ErrorCode.RATE_LIMITED,  # 429, so that proxies and clients see it; code 107 is retried
    }
    assert GENERIC[ErrorCode.UNAUTHENTICATED][0] == GENERIC[ErrorCode.INVALID_API_KEY][0] == 103
