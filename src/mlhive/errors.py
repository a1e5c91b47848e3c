"""Exceptions the mlhive client raises, and the one function that maps server answers onto them.

The tree::

    MlhiveError
    ├── APIError                      the server answered with an error (problem+json)
    │   ├── AuthenticationError       401: missing or invalid API key
    │   ├── PermissionDeniedError     403: the key's user may not do this
    │   ├── NotFoundError             404: no such thing (or not visible to this user)
    │   ├── ConflictError             409: state forbids it (not processed yet, has forks, ...)
    │   ├── InvalidInputError         4xx on input (also a ValueError)
    │   │   └── PayloadTooLargeError  413: the upload exceeds the server's limit
    │   ├── RateLimitedError          429: too many requests; ``retry_after`` says how long to wait
    │   └── ServerError               5xx
    ├── ConnectionFailedError         the server could not be reached (transport error)
    ├── CorruptDownloadError          downloaded bytes do not match the announced sha256
    ├── JobFailedError                a background job (e.g. dataset processing) failed
    └── WaitTimeoutError              a wait for a job ran out of time (also a TimeoutError)

    CachedDataWarning                 (a UserWarning) stale cached data was used while offline

Example:
    >>> import mlhive
    >>> try:
    ...     mlhive.Client().datasets.get(999_999)
    ... except mlhive.NotFoundError as exc:
    ...     print(exc.code, exc.status)  # doctest: +SKIP
    not_found 404
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlhive.wire.errors import ErrorCode

if TYPE_CHECKING:  # httpx is imported by whoever holds a response; the CLI starts without it
    import httpx

__all__ = [
    "APIError",
    "AuthenticationError",
    "CachedDataWarning",
    "ConflictError",
    "ConnectionFailed",
    "ConnectionFailedError",
    "CorruptDownloadError",
    "InvalidInputError",
    "JobFailedError",
    "MlhiveError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "WaitTimeoutError",
    "raise_for_status",
]


class MlhiveError(Exception):
    """Base of every exception the mlhive client raises."""


class APIError(MlhiveError):
    """The server answered a request with an error status.

    Attributes:
        status: the HTTP status code.
        code: the problem's stable ``code`` (an :class:`~mlhive.wire.errors.ErrorCode` when the
            client knows it, else the raw string).
        detail: the server's human-readable explanation.
        problem: the whole problem document (``{}`` when the body was not problem+json).
    """

    def __init__(
        self,
        status: int,
        code: ErrorCode | str,
        detail: str,
        problem: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.problem: dict[str, Any] = problem or {}
        super().__init__(f"{detail} ({status} {code})")


class AuthenticationError(APIError):
    """401: the request needs an API key, or the key given is invalid or revoked."""


class PermissionDeniedError(APIError):
    """403: the user is known but may not do this (e.g. edit someone else's dataset)."""


class NotFoundError(APIError):
    """404: the resource does not exist, or is private to another user."""


class ConflictError(APIError):
    """409: the resource's state forbids the request (e.g. ARFF asked before processing)."""


class InvalidInputError(APIError, ValueError):
    """The request or uploaded file is invalid; ``detail`` names the field, column or line."""


class PayloadTooLargeError(InvalidInputError):
    """413: the upload exceeds a server limit: ``max_upload_bytes``, or ``max_tensors_per_file``
    for a model file (code ``too_many_tensors``)."""


class RateLimitedError(APIError):
    """429: the key or address sent more requests than the server's budget allows.

    The client already waited and retried (within bounds) before raising this.

    Attributes:
        retry_after: the seconds the server asked to wait (its ``Retry-After``), or None.
    """

    @property
    def retry_after(self) -> int | None:
        """The server's ``Retry-After`` in seconds, when it sent one."""
        value = self.problem.get("retry_after")
        return value if isinstance(value, int) else None


class ServerError(APIError):
    """5xx: the server failed; retrying later may help."""


class ConnectionFailedError(MlhiveError):
    """The server could not be reached, or the connection broke mid-request."""


#: The name before 0.2 (every other exception ends in ``Error``); the same class.
ConnectionFailed = ConnectionFailedError


class CorruptDownloadError(MlhiveError):
    """Downloaded bytes do not match the hash the server announced (nothing was kept)."""


class JobFailedError(MlhiveError):
    """A background job finished in the ``failed`` state; the message holds its error."""


class WaitTimeoutError(MlhiveError, TimeoutError):
    """Waiting for a background job or dataset processing ran out of time."""


class CachedDataWarning(UserWarning):
    """The server was unreachable and data from the local cache was used instead."""


_BY_CODE: dict[ErrorCode, type[APIError]] = {
    ErrorCode.UNAUTHENTICATED: AuthenticationError,
    ErrorCode.INVALID_API_KEY: AuthenticationError,
    ErrorCode.PERMISSION_DENIED: PermissionDeniedError,
    ErrorCode.READ_ONLY_KEY: PermissionDeniedError,
    ErrorCode.NOT_FOUND: NotFoundError,
    ErrorCode.CONFLICT: ConflictError,
    ErrorCode.INVALID_STATUS_TRANSITION: ConflictError,
    ErrorCode.NOT_PROCESSED: ConflictError,
    ErrorCode.INVALID_INPUT: InvalidInputError,
    ErrorCode.MALFORMED_FILE: InvalidInputError,
    ErrorCode.CORRUPTED_CHUNK: InvalidInputError,
    ErrorCode.EMPTY_FILE: InvalidInputError,
    ErrorCode.DUPLICATE_COLUMNS: InvalidInputError,
    ErrorCode.UNKNOWN_COLUMN: InvalidInputError,
    ErrorCode.UNSUPPORTED_FORMAT: InvalidInputError,
    ErrorCode.PAYLOAD_TOO_LARGE: PayloadTooLargeError,
    ErrorCode.TOO_MANY_TENSORS: PayloadTooLargeError,
    ErrorCode.TOO_MANY_COLUMNS: PayloadTooLargeError,
    ErrorCode.TOO_MANY_CELLS: PayloadTooLargeError,
    ErrorCode.URL_REFUSED: InvalidInputError,
    ErrorCode.URL_FETCH_FAILED: InvalidInputError,
    ErrorCode.RATE_LIMITED: RateLimitedError,
    ErrorCode.INTERNAL: ServerError,
    ErrorCode.STORAGE_CORRUPT: ServerError,
    ErrorCode.DATABASE_BUSY: ServerError,
    ErrorCode.INSUFFICIENT_STORAGE: ServerError,
}

_BY_STATUS: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitedError,
}


def _exception_class(status: int, code: ErrorCode | str) -> type[APIError]:
    if isinstance(code, ErrorCode):
        return _BY_CODE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    if 400 <= status < 500:
        return InvalidInputError
    return APIError


def _problem_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:  # not JSON: a proxy's HTML page, an empty body, ...
        return {}
    return body if isinstance(body, dict) else {}


def error_from_response(response: httpx.Response) -> APIError:
    """Build the typed exception for a failed response (without raising it).

    Args:
        response: a response with a 4xx or 5xx status; its body must have been read.

    Returns:
        The :class:`APIError` subclass chosen by the problem's ``code`` (or, when the code is
        missing or unknown, by the status), carrying the server's ``detail``.
    """
    problem = _problem_of(response)
    raw_code = str(problem.get("code") or f"http_{response.status_code}")
    code: ErrorCode | str
    try:
        code = ErrorCode(raw_code)
    except ValueError:
        code = raw_code
    detail = str(problem.get("detail") or response.reason_phrase or "request failed")
    if not problem and response.text.strip():
        detail = f"{detail}: {response.text.strip()[:200]}"
    cls = _exception_class(response.status_code, code)
    return cls(response.status_code, code, detail, problem)


def raise_for_status(response: httpx.Response) -> None:
    """Raise the typed :class:`APIError` for a failed response; do nothing for a success.

    Args:
        response: an httpx response whose body has been read (call ``response.read()`` first
            for streamed responses).

    Raises:
        AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError,
        InvalidInputError, PayloadTooLargeError, ServerError: by the problem's ``code``,
        falling back on the status; APIError for anything else (e.g. an unexpected 3xx).

    Example:
        >>> import httpx
        >>> raise_for_status(httpx.Response(200))
        >>> raise_for_status(httpx.Response(404, json={"code": "not_found", "detail": "gone"}))
        Traceback (most recent call last):
        mlhive.errors.NotFoundError: gone (404 not_found)
    """
    if response.is_success or response.status_code == 304:
        return
    raise error_from_response(response)
