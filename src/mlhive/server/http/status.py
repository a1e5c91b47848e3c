"""The one error code → HTTP status table every face that speaks HTTP statuses uses."""

from __future__ import annotations

from mlhive.server.domain.errors import DomainError, Unavailable
from mlhive.wire.errors import ErrorCode

STATUS: dict[ErrorCode, int] = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.INVALID_API_KEY: 401,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.READ_ONLY_KEY: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.INVALID_STATUS_TRANSITION: 409,
    ErrorCode.NOT_PROCESSED: 409,
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.MALFORMED_FILE: 422,
    ErrorCode.CORRUPTED_CHUNK: 422,
    ErrorCode.EMPTY_FILE: 422,
    ErrorCode.DUPLICATE_COLUMNS: 422,
    ErrorCode.UNKNOWN_COLUMN: 422,
    ErrorCode.UNSUPPORTED_FORMAT: 415,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.TOO_MANY_TENSORS: 413,
    ErrorCode.TOO_MANY_COLUMNS: 413,
    ErrorCode.TOO_MANY_CELLS: 413,
    ErrorCode.URL_REFUSED: 422,
    ErrorCode.URL_FETCH_FAILED: 422,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL: 500,
    ErrorCode.STORAGE_CORRUPT: 500,
    ErrorCode.DATABASE_BUSY: 503,
    ErrorCode.INSUFFICIENT_STORAGE: 507,
}


def headers_for(exc: DomainError) -> dict[str, str]:
    """Headers an error's answer carries on every face: ``Retry-After`` for a transient one."""
    if isinstance(exc, Unavailable):
        return {"Retry-After": str(exc.retry_after)}
    return {}
