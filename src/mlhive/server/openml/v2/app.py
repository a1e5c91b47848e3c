"""The v2 face as a sub-application of the main app, sharing its Hive.

server-api serves its routers at the root of its own host (openml-python's v2 client joins a
``server`` and a ``base_url``, empty by default); mlhive serves them under ``/api/v2``, next to
the v1 XML face at ``/api/v1/xml``, so a client's v2 ``base_url`` is ``api/v2/``. Being a
sub-application gives the face its own error handlers (server-api's problem documents rather
than the native API's) and keeps the native API's route rules off it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from mlhive.server.http.catchall import CatchAll
from mlhive.server.openml.app import NormalizePath
from mlhive.server.openml.v2 import (
    datasets,
    estimationprocedures,
    evaluationmeasures,
    flows,
    runs,
    setups,
    studies,
    tasks,
    tasktypes,
)
from mlhive.server.openml.v2.common import caller
from mlhive.server.openml.v2.errors import HANDLERS, internal_error, log
from mlhive.server.wiring import Hive

PREFIX = "/api/v2"
MODULES = (
    datasets,
    tasks,
    tasktypes,
    estimationprocedures,
    evaluationmeasures,
    flows,
    setups,
    runs,
    studies,
)


def build(hive: Hive) -> FastAPI:
    """The ``/api/v2`` application (every route resolves the optional ``api_key`` first)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.hive = hive
    for kind, handler in HANDLERS.items():
        app.add_exception_handler(kind, handler)
    router = APIRouter(dependencies=[Depends(caller)])
    for module in MODULES:
        router.include_router(module.router)
    app.include_router(router)
    app.add_middleware(CatchAll, answer=internal_error, logger=log)
    # server-api's own tests call ``/datasets/list/``: a trailing slash is the same call.
    app.add_middleware(NormalizePath)
    return app


def install(app: FastAPI) -> None:
    """Mount the v2 face on the main application (``create_app`` calls this once).

    Args:
        app: the application built by :func:`mlhive.server.app.create_app`.
    """
    hive: Hive = app.state.hive
    app.mount(PREFIX, build(hive))
