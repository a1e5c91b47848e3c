"""One place that turns failures into RFC 9457 problem documents."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mlhive.server.domain.errors import DomainError
from mlhive.wire.errors import ErrorCode

log = logging.getLogger("mlhive.api")

STATUS: dict[ErrorCode, int] = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.INVALID_API_KEY: 401,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.INVALID_STATUS_TRANSITION: 409,
    ErrorCode.NOT_PROCESSED: 409,
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.MALFORMED_FILE: 422,
    ErrorCode.EMPTY_FILE: 422,
    ErrorCode.DUPLICATE_COLUMNS: 422,
    ErrorCode.UNKNOWN_COLUMN: 422,
    ErrorCode.UNSUPPORTED_FORMAT: 415,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.TOO_MANY_TENSORS: 413,
    ErrorCode.INTERNAL: 500,
    ErrorCode.STORAGE_CORRUPT: 500,
}

TITLES: dict[ErrorCode, str] = {
    code: code.value.replace("_", " ").capitalize() for code in ErrorCode
}
HTTP_CODES = {
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.INVALID_INPUT,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
}


def problem(
    code: ErrorCode, detail: str, request: Request, errors: list[dict[str, object]] | None = None
) -> JSONResponse:
    """A problem+json response for ``code``."""
    status = STATUS[code]
    body: dict[str, object] = {
        "type": f"urn:mlhive:error:{code.value}",
        "title": TITLES[code],
        "status": status,
        "detail": detail,
        "code": code.value,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, DomainError):  # registered for DomainError only
        raise exc
    extra = [{k: v for k, v in exc.extra.items() if v is not None}] if exc.extra else None
    return problem(exc.code, exc.detail, request, extra)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # registered for RequestValidationError only
        raise exc
    errors = [
        {"loc": [str(p) for p in err.get("loc", ())], "msg": err.get("msg", "")}
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"] if p not in ("body", "query", "path"))
    return problem(ErrorCode.INVALID_INPUT, f"{where}: {first['msg']}", request, errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, HTTPException):  # registered for HTTPException only
        raise exc
    code = HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_INPUT)
    response = problem(code, str(exc.detail), request)
    response.status_code = exc.status_code
    return response


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(ErrorCode.INTERNAL, "internal server error", request)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
