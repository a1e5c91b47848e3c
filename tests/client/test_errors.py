"""raise_for_status: problem documents become typed exceptions carrying the server's detail."""

from __future__ import annotations

import httpx
import pytest

from mlhive import errors
from mlhive.wire.errors import ErrorCode


def problem(status: int, code: str, detail: str = "it went wrong") -> httpx.Response:
    body = {
        "type": f"urn:mlhive:error:{code}",
        "title": code,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "unauthenticated", errors.AuthenticationError),
        (401, "invalid_api_key", errors.AuthenticationError),
        (403, "permission_denied", errors.PermissionDeniedError),
        (404, "not_found", errors.NotFoundError),
        (409, "not_processed", errors.ConflictError),
        (409, "invalid_status_transition", errors.ConflictError),
        (422, "unknown_column", errors.InvalidInputError),
        (422, "malformed_file", errors.InvalidInputError),
        (415, "unsupported_format", errors.InvalidInputError),
        (413, "payload_too_large", errors.PayloadTooLargeError),
        (500, "storage_corrupt", errors.ServerError),
    ],
)
def test_problem_code_selects_the_exception(
    status: int, code: str, expected: type[errors.APIError]
) -> None:
    with pytest.raises(expected) as info:
        errors.raise_for_status(problem(status, code, "column 'x' is unknown"))
    assert info.value.status == status
    assert info.value.code == ErrorCode(code)
    assert info.value.detail == "column 'x' is unknown"
    assert "column 'x' is unknown" in str(info.value)
    assert info.value.problem["code"] == code


def test_input_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="too big"):
        errors.raise_for_status(problem(413, "payload_too_large", "too big"))


def test_unknown_code_falls_back_on_the_status() -> None:
    with pytest.raises(errors.NotFoundError) as info:
        errors.raise_for_status(problem(404, "a_code_from_a_newer_server"))
    assert info.value.code == "a_code_from_a_newer_server"


def test_non_json_error_body_still_maps_by_status() -> None:
    response = httpx.Response(502, text="<html>Bad gateway</html>")
    with pytest.raises(errors.ServerError, match="Bad gateway") as info:
        errors.raise_for_status(response)
    assert info.value.status == 502
    assert info.value.problem == {}


def test_success_and_not_modified_do_not_raise() -> None:
    for status in (200, 201, 204, 304):
        errors.raise_for_status(httpx.Response(status))  # must simply return
    assert issubclass(errors.ConnectionFailed, errors.MlhiveError)
