"""Stable error codes shared by the server and the client.

The server puts one of these in the ``code`` member of every RFC 9457 problem document;
the client maps it back onto a typed exception (see :mod:`mlhive.errors`). Codes are part of
the API contract: add new ones freely, never rename or reuse one.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Machine-readable reason for a failed request."""

    # 401 / 403
    UNAUTHENTICATED = "unauthenticated"
    INVALID_API_KEY = "invalid_api_key"
    PERMISSION_DENIED = "permission_denied"
    READ_ONLY_KEY = "read_only_key"
    # 404
    NOT_FOUND = "not_found"
    # 409
    CONFLICT = "conflict"
    INVALID_STATUS_TRANSITION = "invalid_status_transition"
    NOT_PROCESSED = "not_processed"
    # 4xx on input
    INVALID_INPUT = "invalid_input"
    MALFORMED_FILE = "malformed_file"
    CORRUPTED_CHUNK = "corrupted_chunk"
    UNSUPPORTED_FORMAT = "unsupported_format"
    EMPTY_FILE = "empty_file"
    DUPLICATE_COLUMNS = "duplicate_columns"
    UNKNOWN_COLUMN = "unknown_column"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    TOO_MANY_TENSORS = "too_many_tensors"
    TOO_MANY_COLUMNS = "too_many_columns"
    TOO_MANY_CELLS = "too_many_cells"
    URL_REFUSED = "url_refused"
    URL_FETCH_FAILED = "url_fetch_failed"
    # 429
    RATE_LIMITED = "rate_limited"
    # 5xx
    INTERNAL = "internal"
    STORAGE_CORRUPT = "storage_corrupt"
    DATABASE_BUSY = "database_busy"
    INSUFFICIENT_STORAGE = "insufficient_storage"
