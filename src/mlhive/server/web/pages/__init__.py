"""One module per page group; each exposes ``router``, made by :func:`routing.pages`."""

from __future__ import annotations

from fastapi import APIRouter

from mlhive.server.web.pages import (
    activity,
    auth,
    calls,
    collections,
    dataset_actions,
    datasets,
    deployments,
    discussions,
    flows,
    home,
    model_requests,
    models,
    people,
    runs,
    suggestions,
    tasks,
)

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    home.router,
    auth.router,
    people.router,
    suggestions.router,
    datasets.router,
    dataset_actions.router,
    tasks.router,
    runs.router,
    flows.router,
    collections.router,
    models.router,
    model_requests.router,
    deployments.router,
    discussions.router,
    calls.router,
    activity.router,
)
