"""The real application with one extra route that fails, for live tests that need an
internal error from a real server: ``uvicorn tests.live.failing_app:create --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from mlhive.server.app import create_app

FAILURE_PATH = "/api/test-failure"


class PlannedFailure(RuntimeError):
    """What the extra route raises: a bug, as far as the application can tell."""


def _fail() -> None:
    raise PlannedFailure("planned failure")


def create() -> FastAPI:
    """``create_app()`` (settings from the environment) plus the failing route."""
    app = create_app()
    app.add_api_route(FAILURE_PATH, _fail)
    return app
