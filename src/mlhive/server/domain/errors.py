"""Domain errors: what went wrong, independent of any transport.

Services raise these; the native API renders them as RFC 9457 problem documents and the
OpenML face as ``oml:error`` documents, each from one table keyed by :class:`ErrorCode`.

    DomainError
    ├── Unauthenticated        no key, or a key that is unknown/revoked
    ├── PermissionDenied       a known user may not do this
    ├── NotFound               no such object, or one the caller may not see
    ├── Conflict               the object's state forbids the change
    ├── InvalidInput           the request itself is wrong (field, file, format)
    │   └── PayloadTooLarge    the upload exceeds a configured limit (bytes, tensors, …)
    ├── StorageCorrupt         a stored object fails verification
    ├── Unavailable            the database is busy (a lock held too long): retry later
    └── InsufficientStorage    the disk is full (or a quota is spent): nothing was kept
"""

from __future__ import annotations

from typing import Any

from mlhive.wire.errors import ErrorCode


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    default_code = ErrorCode.INTERNAL

    def __init__(self, detail: str, *, code: ErrorCode | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.extra = extra


class Unauthenticated(DomainError):
    default_code = ErrorCode.UNAUTHENTICATED


class PermissionDenied(DomainError):
    default_code = ErrorCode.PERMISSION_DENIED


class NotFound(DomainError):
    default_code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    default_code = ErrorCode.CONFLICT


class InvalidInput(DomainError):
    default_code = ErrorCode.INVALID_INPUT


class PayloadTooLarge(InvalidInput):
    default_code = ErrorCode.PAYLOAD_TOO_LARGE


class StorageCorrupt(DomainError):
    default_code = ErrorCode.STORAGE_CORRUPT


class Unavailable(DomainError):
    """A transient failure: the same request is likely to succeed ``retry_after`` s later."""

    default_code = ErrorCode.DATABASE_BUSY

    def __init__(self, detail: str, *, retry_after: int = 5, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class InsufficientStorage(DomainError):
    default_code = ErrorCode.INSUFFICIENT_STORAGE
