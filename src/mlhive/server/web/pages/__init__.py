"""One module per page group; each exposes ``router``, made by :func:`routing.pages`."""

from __future__ import annotations

from fastapi import APIRouter

from mlhive.server.web.pages import (
    auth,
    dataset_actions,
    datasets,
    home,
    model_requests,
    models,
    people,
)

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    home.router,
    auth.router,
    people.router,
    datasets.router,
    dataset_actions.router,
    models.router,
    model_requests.router,
)
