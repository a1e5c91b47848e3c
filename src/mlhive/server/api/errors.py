"""One place that turns failures into RFC 9457 problem documents."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Scope

from mlhive.server.domain.errors import DomainError
from mlhive.server.http.catchall import CatchAll
from mlhive.server.http.failures import FAILURES, translate
from mlhive.server.http.status import STATUS, headers_for
from mlhive.wire.errors import ErrorCode

log = logging.getLogger("mlhive.api")

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
    code: ErrorCode,
    detail: str,
    request: Request,
    errors: list[dict[str, object]] | None = None,
    headers: dict[str, str] | None = None,
    status: int | None = None,
    **members: object,
) -> JSONResponse:
    """A problem+json response for ``code`` (with ``headers``, e.g. ``Retry-After``;
    ``members`` are extension members). ``status`` overrides the code's status, for the
    framework's own answers (405) that have no code of their own."""
    status = status or STATUS[code]
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
    body.update(members)
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, DomainError):  # registered for DomainError only
        raise exc
    extra = [{k: v for k, v in exc.extra.items() if v is not None}] if exc.extra else None
    return problem(exc.code, exc.detail, request, extra, headers_for(exc))


async def _failure(request: Request, exc: Exception) -> JSONResponse:
    """A busy database or a full disk as 503/507; any other such failure stays a 500."""
    known = translate(exc)
    if known is None:
        raise exc
    log.warning("%s %s: %s (%s)", request.method, request.url.path, known.detail, exc)
    return await _domain(request, known)


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
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem(code, str(exc.detail), request, headers=headers, status=exc.status_code)


def allowed_methods(request: Request) -> list[str]:
    """Every method the request's path takes, for a 405's ``Allow``.

    Starlette's own ``Allow`` names the methods of the first route matching the path only,
    and each method of a path is a route of its own here (``GET`` and ``POST /api/datasets``).
    The path is the first route's that matches (as the router chooses), so ``/api/runs/compare``
    does not take ``DELETE`` from ``/api/runs/{run_id}``.
    """
    methods: set[str] = set()
    chosen: str | None = None
    for context in iter_route_contexts(request.app.routes):
        if not context.methods or context.matches(request.scope)[0] == Match.NONE:
            continue
        chosen = chosen or context.path_format
        if context.path_format == chosen:
            methods |= context.methods
    return sorted(methods)


def internal_error(scope: Scope) -> JSONResponse:
    """The problem document of an unexpected failure (its traceback is only in the log)."""
    return problem(ErrorCode.INTERNAL, "internal server error", Request(scope))


def rate_limited(scope: Scope, detail: str, retry_after: int) -> JSONResponse:
    """The 429 problem document of a request over its budget (``retry_after`` in seconds)."""
    response = problem(ErrorCode.RATE_LIMITED, detail, Request(scope), retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``.

    Unexpected failures are not among them: :func:`install_catch_all` answers those.
    """
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    for kind in FAILURES:
        app.add_exception_handler(kind, _failure)


def install_catch_all(app: FastAPI) -> None:
    """Answer unexpected failures with a problem+json 500, keeping the connection usable.

    Added after the other middleware (so it guards them too) and before the one that sets
    the headers every response carries.
    """
    app.add_middleware(CatchAll, answer=internal_error, logger=log)
