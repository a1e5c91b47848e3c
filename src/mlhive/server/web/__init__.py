"""The hive in a browser: server-rendered pages under ``/`` (the API stays under ``/api``).

Pages are thin adapters like the API's routes: they resolve the viewer from the session cookie,
call the same service functions (so access is decided in one place), and render Jinja2 templates.
Charts are Vega-Lite specs built on the server and drawn by the vendored Vega libraries.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from mlhive.server.web.pages import PAGE_ROUTERS

STATIC_PREFIX = "/static"


def install(app: FastAPI) -> None:
    """Add the pages and their static assets to ``app``."""
    app.mount(STATIC_PREFIX, StaticFiles(packages=[("mlhive.server.web", "static")]), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
