"""RFC 9457 problem documents as OpenML's v2 JSON API (openml/server-api) writes them.

server-api answers every failure with ``application/problem+json``: ``type`` (a problem URI
under ``https://openml.org/problems/``), ``title``, ``status``, ``detail`` and, where OpenML's
v1 API had one, the legacy error number as the string ``code``. Validation failures are 422
with an ``errors`` list. Each route raises :class:`Problem` with the kind that call uses;
service errors no route mapped fall back to a generic translation by mlhive's error code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http import HTTPStatus

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import Scope

from mlhive.server.domain.errors import DomainError
from mlhive.server.http.failures import FAILURES, translate
from mlhive.server.http.status import STATUS, headers_for

log = logging.getLogger("mlhive.openml.v2")
PROBLEMS = "https://openml.org/problems/"
MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class Kind:
    """One kind of problem: its URI slug, title, HTTP status and legacy OpenML code."""

    slug: str
    title: str
    status: int
    code: int | None = None

    @property
    def uri(self) -> str:
        """The problem type URI."""
        return PROBLEMS + self.slug


NOT_FOUND = HTTPStatus.NOT_FOUND
PRECONDITION = HTTPStatus.PRECONDITION_FAILED

DATASET_NOT_FOUND = Kind("dataset-not-found", "Dataset Not Found", NOT_FOUND, 111)
DATASET_NOT_PROCESSED = Kind("dataset-not-processed", "Dataset Not Processed", PRECONDITION, 273)
DATASET_PROCESSING_ERROR = Kind(
    "dataset-processing-error", "Dataset Processing Error", PRECONDITION, 274
)
DATASET_NO_FEATURES = Kind(
    "dataset-no-features", "Dataset Features Not Available", PRECONDITION, 272
)
NO_QUALITIES = Kind("quality-no-qualities", "No Qualities Found", PRECONDITION, 362)
NO_RESULTS = Kind("no-results", "No Results Found", NOT_FOUND, 372)
TASK_NOT_FOUND = Kind("task-not-found", "Task Not Found", NOT_FOUND)
TASK_TYPE_NOT_FOUND = Kind("task-type-not-found", "Task Type Not Found", NOT_FOUND, 241)
FLOW_NOT_FOUND = Kind("flow-not-found", "Flow Not Found", NOT_FOUND)
SETUP_NOT_FOUND = Kind("setup-not-found", "Setup Not Found", NOT_FOUND, 281)
RUN_NOT_FOUND = Kind("run-not-found", "Run Not Found", NOT_FOUND, 571)
RUN_TRACE_NOT_FOUND = Kind("run-trace-not-found", "Run Trace Not Found", NOT_FOUND, 572)
STUDY_NOT_FOUND = Kind("study-not-found", "Study Not Found", NOT_FOUND)
AUTHENTICATION_FAILED = Kind(
    "authentication-failed", "Authentication Failed", HTTPStatus.UNAUTHORIZED, 103
)
SERVICE_NOT_FOUND = Kind("service-not-found", "Service Not Found", NOT_FOUND)
METHOD_NOT_ALLOWED = Kind("method-not-allowed", "Method Not Allowed", HTTPStatus.METHOD_NOT_ALLOWED)
INTERNAL = Kind("internal-error", "Internal Server Error", HTTPStatus.INTERNAL_SERVER_ERROR)


class Problem(Exception):
    """A failure answered as a problem document of ``kind`` (``code`` overrides its code,
    as server-api numbers some errors per call: an unknown dataset is 111 on
    ``/datasets/{id}`` but 361 on ``/datasets/qualities/{id}``)."""

    def __init__(
        self,
        kind: Kind,
        detail: str,
        *,
        code: int | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.code = code if code is not None else kind.code
        self.status = status if status is not None else kind.status
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        """The problem+json response."""
        body: dict[str, object] = {
            "type": self.kind.uri,
            "title": self.kind.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.code is not None:
            body["code"] = str(self.code)
        return JSONResponse(
            body, status_code=self.status, media_type=MEDIA_TYPE, headers=self.headers
        )


def _generic(exc: DomainError) -> Problem:
    """A service error no route mapped: mlhive's status, a problem type named by its code."""
    slug = exc.code.value.replace("_", "-")
    kind = Kind(slug, slug.replace("-", " ").capitalize(), STATUS[exc.code])
    return Problem(kind, exc.detail, headers=headers_for(exc))


async def _problem(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, Problem):  # registered for Problem only
        raise exc
    return exc.response()


async def _domain(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, DomainError):  # registered for DomainError only
        raise exc
    return _generic(exc).response()


async def _failure(request: Request, exc: Exception) -> Response:
    known = translate(exc)  # a busy database, a full disk: 503/507; anything else stays a 500
    if known is None:
        raise exc
    log.warning("%s %s: %s (%s)", request.method, request.url.path, known.detail, exc)
    return _generic(known).response()


async def _validation(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):  # registered for RequestValidationError only
        raise exc
    body = {
        "type": PROBLEMS + "validation-error",
        "title": "Validation Error",
        "status": HTTPStatus.UNPROCESSABLE_ENTITY,
        "detail": "Input validation failed.",
        # The contexts hold exceptions (ValueError); the encoder turns them into text.
        "errors": jsonable_encoder(exc.errors(), custom_encoder={Exception: str}),
    }
    return JSONResponse(body, status_code=422, media_type=MEDIA_TYPE)


async def _http(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # registered for HTTPException only
        raise exc
    detail = f"no such call: {request.method} {request.url.path}"
    if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        return Problem(METHOD_NOT_ALLOWED, detail).response()
    return Problem(SERVICE_NOT_FOUND, detail, status=exc.status_code).response()


HANDLERS = {
    Problem: _problem,
    DomainError: _domain,
    RequestValidationError: _validation,
    HTTPException: _http,
    **dict.fromkeys(FAILURES, _failure),
}
"""The exception handlers of the v2 sub-application."""


def rate_limited(scope: Scope, detail: str, retry_after: int) -> Response:
    """The 429 problem of a request over its budget, with ``Retry-After``."""
    kind = Kind("rate-limited", "Too Many Requests", HTTPStatus.TOO_MANY_REQUESTS)
    return Problem(kind, detail, headers={"Retry-After": str(retry_after)}).response()


def internal_error(scope: Scope) -> Response:
    """The problem document of an unexpected failure (500; the traceback is logged)."""
    return Problem(INTERNAL, "internal server error").response()
