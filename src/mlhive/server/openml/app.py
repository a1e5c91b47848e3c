"""The OpenML face as two sub-applications of the main app, sharing its Hive.

- ``/api/v1/xml``: OpenML's v1 XML API (every route depends on :func:`caller`);
- ``/data/v1``: the files its descriptions point at (ARFF, Parquet, splits).

Being sub-applications gives the face its own error handlers (``oml:error`` documents instead
of problem+json), gzip for every response (openml-python warns about uncompressed answers),
and a place to normalise openml-python's URLs, some of which arrive with a double slash
(``/api/v1/xml//setup/exists/``).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from mlhive.server.http.catchall import CatchAll
from mlhive.server.openml import (
    data,
    data_curation,
    evaluations,
    files,
    flows,
    runs,
    setups,
    studies,
    tasks,
)
from mlhive.server.openml.common import authenticate, caller
from mlhive.server.openml.errors import HANDLERS, OpenMLError, internal_error, log
from mlhive.server.wiring import Hive

API_PREFIX = "/api/v1/xml"
FILES_PREFIX = "/data/v1"
_SLASHES = re.compile(r"/{2,}")
# The request-line limit of common front ends (Apache's LimitRequestLine is 8190 bytes):
# OpenML's list calls put their filters in the path, so a long id list must fail clearly.
MAX_URI_BYTES = 8190


class NormalizePath:
    """Refuse over-long URIs (414), collapse repeated slashes and drop a trailing slash
    before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = len(scope.get("raw_path") or scope["path"].encode())
            length += len(scope.get("query_string", b""))
            if length > MAX_URI_BYTES:
                error = OpenMLError(
                    100,
                    f"the request URI is {length} bytes long, more than the {MAX_URI_BYTES} "
                    "this server reads: ask for fewer ids per call (use limit and offset)",
                    status=414,
                )
                await error.response()(scope, receive, send)
                return
            path = _SLASHES.sub("/", scope["path"])
            if len(path) > 1:
                path = path.rstrip("/") or "/"
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)


async def _unknown_call(request: Request, exc: Exception) -> Response:
    """A call no route serves: as on OpenML, a write without a (valid, writing) key is told
    so (102, 103, 104) before it is told that there is no such call."""
    if not hasattr(request.state, "actor"):  # no route ran ``caller``: authenticate here
        try:
            await authenticate(request)
        except OpenMLError as error:
            return error.response()
        finally:
            await request.close()
    return await HANDLERS[HTTPException](request, exc)


def _sub_app(hive: Hive, router: APIRouter, *, auth_first: bool = False) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.hive = hive
    for kind, handler in HANDLERS.items():
        app.add_exception_handler(kind, handler)
    if auth_first:
        app.add_exception_handler(HTTPException, _unknown_call)
    app.include_router(router)
    app.add_middleware(CatchAll, answer=internal_error, logger=log)
    app.add_middleware(GZipMiddleware, minimum_size=1)
    app.add_middleware(NormalizePath)
    return app


def build_api(hive: Hive) -> FastAPI:
    """The ``/api/v1/xml`` application."""
    router = APIRouter(dependencies=[Depends(caller)])
    for module in (data_curation, data, tasks, flows, setups, runs, evaluations, studies):
        router.include_router(module.router)
    return _sub_app(hive, router, auth_first=True)


def build_files(hive: Hive) -> FastAPI:
    """The ``/data/v1`` application (ARFF and splits need a key for private data; Parquet is
    anonymous, as MinIO's client sends none)."""
    router = APIRouter(dependencies=[Depends(caller)])
    router.include_router(files.router)
    return _sub_app(hive, router)


def install(app: FastAPI) -> None:
    """Mount the OpenML face on the main application (``create_app`` calls this once).

    Args:
        app: the application built by :func:`mlhive.server.app.create_app`.
    """
    hive: Hive = app.state.hive
    app.mount(API_PREFIX, build_api(hive))
    app.mount(FILES_PREFIX, build_files(hive))
