"""One module per page group; each exposes ``router``, made by :func:`routing.pages`."""

from __future__ import annotations

from fastapi import APIRouter

from mlhive.server.web.pages import auth, collections, flows, home, people, runs, tasks

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    home.router,
    auth.router,
    people.router,
    tasks.router,
    runs.router,
    flows.router,
    collections.router,
)
