"""The application factory: the only place that wires settings, database, store and worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.types import Scope

from mlhive._version import __version__
from mlhive.server.api import (
    activity,
    aliases,
    automl,
    calls,
    checks,
    datasets,
    deployments,
    discussions,
    flows,
    helpers,
    models,
    people,
    recommendations,
    reproductions,
    retraining,
    runs,
    similar,
    studies,
    suite_runs,
    system,
    tasks,
    teams,
    users,
)
from mlhive.server.api import errors as api_errors
from mlhive.server.api import openapi as api_openapi
from mlhive.server.api.params import known_query
from mlhive.server.api.serving_path import FastPredict
from mlhive.server.config import Settings
from mlhive.server.db import durability
from mlhive.server.db.engine import make_engine, make_session_factory, optimize
from mlhive.server.db.migrate import upgrade
from mlhive.server.http.headers import SecurityHeaders
from mlhive.server.http.hosts import TrustedHosts
from mlhive.server.http.limits import BodyLimit, FormPartsLimit
from mlhive.server.http.logs import install_key_mask
from mlhive.server.http.ratelimit import Answer, RateLimit, RateLimits, Settler
from mlhive.server.http.serving import Flusher
from mlhive.server.jobs.context import Handler, JobContext
from mlhive.server.jobs.sweep import sweep_leftovers
from mlhive.server.jobs.worker import Worker
from mlhive.server.openml import errors as openml_errors
from mlhive.server.openml import install as install_openml
from mlhive.server.openml.app import API_PREFIX, FILES_PREFIX
from mlhive.server.openml.v2 import PREFIX as V2_PREFIX
from mlhive.server.openml.v2 import errors as v2_errors
from mlhive.server.openml.v2 import install as install_openml_v2
from mlhive.server.services.automl import jobs as automl_jobs
from mlhive.server.services.datasets import jobs as dataset_jobs
from mlhive.server.services.experiments import jobs as experiment_jobs
from mlhive.server.services.forge import jobs as forge_jobs
from mlhive.server.services.serving import jobs as serving_jobs
from mlhive.server.services.social import jobs as social_jobs
from mlhive.server.storage import open_blob_store
from mlhive.server.wiring import Hive

log = logging.getLogger("mlhive")
GZIP_FROM = 1024
"""Answers of at least this many bytes are compressed for clients that accept gzip."""


def gather_handlers(*registries: Mapping[str, Handler]) -> dict[str, Handler]:
    """Merge the capabilities' ``HANDLERS`` into one job kind → handler table.

    Raises:
        ValueError: two capabilities register the same job kind.
    """
    merged: dict[str, Handler] = {}
    for registry in registries:
        for kind, handler in registry.items():
            if kind in merged:
                raise ValueError(f"job kind {kind!r} has two handlers")
            merged[kind] = handler
    return merged


HANDLERS = gather_handlers(
    dataset_jobs.HANDLERS,
    experiment_jobs.HANDLERS,
    forge_jobs.HANDLERS,
    serving_jobs.HANDLERS,
    automl_jobs.HANDLERS,
    social_jobs.HANDLERS,
)


def install_pages(app: FastAPI) -> None:
    """Add the web pages when the ``web`` extra is installed (the API works without it)."""
    try:
        from mlhive.server import web  # optional extra
    except ModuleNotFoundError as exc:
        log.warning("web pages are off: %s is not installed (pip install 'mlhive[web]')", exc.name)
        return
    web.install(app)


def _page_answer() -> Answer:
    """The pages' 429 (an HTML page), or the API's when the ``web`` extra is missing."""
    try:
        from mlhive.server.web.render import rate_limited_page  # optional extra
    except ModuleNotFoundError:
        return api_errors.rate_limited
    return rate_limited_page


def rate_limit_answer() -> Answer:
    """The 429 in each face's format, chosen by path: ``oml:error``, problem+json (the native
    API's or server-api's), HTML page."""
    page = _page_answer()

    def answer(scope: Scope, detail: str, retry_after: int) -> Response:
        path: str = scope["path"]
        if path.startswith((API_PREFIX, FILES_PREFIX)):
            return openml_errors.rate_limited(scope, detail, retry_after)
        if path.startswith(V2_PREFIX + "/"):
            return v2_errors.rate_limited(scope, detail, retry_after)
        face = api_errors.rate_limited if path.startswith("/api/") else page
        return face(scope, detail, retry_after)

    return answer


def rate_limits(settings: Settings) -> RateLimits:
    """The request budgets the settings ask for (shared with the other servers' or not)."""
    return RateLimits.of(
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        writes_per_minute=settings.rate_limit_writes_per_minute,
        writes_burst=settings.rate_limit_writes_burst,
        address_factor=settings.rate_limit_address_factor,
        shared=settings.rate_limits_shared,
    )


def build_hive(settings: Settings) -> Hive:
    """Create the engine, session factories, blob store and worker (nothing is started)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    busy = settings.request_busy_seconds
    store = open_blob_store(
        settings.resolved_storage_url,
        data_dir=settings.data_dir,
        storage_options=dict(settings.storage_options),
    )
    # Jobs wait for locks as long as SQLite lets them; requests answer 503 sooner.
    jobs = JobContext(sessions=make_session_factory(engine), store=store, settings=settings)
    worker = Worker(jobs, HANDLERS, periodic=[*serving_jobs.PERIODIC, *social_jobs.PERIODIC])
    return Hive(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine, busy_seconds=busy),
        read_sessions=make_session_factory(engine, readonly=True, busy_seconds=busy),
        store=store,
        worker=worker,
    )


def _lifespan(hive: Hive) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if hive.settings.migrate_on_start:
            upgrade(hive.engine)
        optimize(hive.engine)
        log.info("database durability: %s", durability.describe(hive.engine))
        sweep_leftovers(hive.job_context)
        if hive.settings.worker == "inline":
            hive.worker.start()
        flusher = Flusher(hive)
        flusher.start()
        settler = Settler(hive, app.state.rate_limits)
        settler.start()
        try:
            yield
        finally:
            settler.close()
            flusher.close()  # and the calls counted since the last flush
            hive.worker.close()
            hive.engine.dispose()

    return lifespan


def _middleware(app: FastAPI, hive: Hive) -> None:
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_FROM)
    # Successful deployment calls are answered before routing (api.serving_path).
    app.add_middleware(FastPredict, gzip_from=GZIP_FROM)
    app.add_middleware(FormPartsLimit, limit=hive.settings.max_form_parts)
    app.add_middleware(BodyLimit, limit=hive.settings.max_upload_bytes)
    # Outside the body limit: a request over budget is answered before its body is read.
    app.state.rate_limits = rate_limits(hive.settings)
    app.add_middleware(RateLimit, limits=app.state.rate_limits, answer=rate_limit_answer())
    api_errors.install_catch_all(app)
    app.add_middleware(
        TrustedHosts,
        trusted=hive.settings.trusted_host_names,
        public_url=hive.settings.public_url,
    )
    app.add_middleware(SecurityHeaders)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the mlhive server application.

    Args:
        settings: the configuration; ``Settings()`` (the environment) when omitted.

    Returns:
        A FastAPI app. Migrations run and the in-process worker starts with its lifespan.
    """
    hive = build_hive(settings or Settings())
    app = FastAPI(
        title="mlhive",
        version=__version__,
        summary="A self-hosted ML commons: datasets, tasks, runs and models.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=_lifespan(hive),
    )
    app.state.hive = hive
    install_key_mask()
    api_errors.install(app)
    # Every native route refuses query parameters it does not declare (a typo is a 422).
    # Each router is included on the app itself, not under one "/api" router: FastAPI (0.137+)
    # resolves included routers on every request, each level walking all the routes beneath
    # it: one more level cost an object read 0.2 ms of its 1.2 ms in process.
    for router in (
        system.router,
        users.router,
        teams.router,
        teams.invitations,
        datasets.router,
        similar.router,
        tasks.router,
        recommendations.router,
        automl.router,
        flows.router,
        runs.router,
        reproductions.router,
        checks.router,  # before the forge's commits/{ref}, which takes any ref
        retraining.router,
        models.router,
        aliases.router,
        deployments.router,
        deployments.calls,
        studies.suites_router,
        suite_runs.router,
        studies.studies_router,
        *discussions.ROUTERS,
        calls.router,
        people.router,
        helpers.router,
        *activity.ROUTERS,
    ):
        app.include_router(router, prefix="/api", dependencies=[Depends(known_query)])
    api_openapi.install(app)
    install_openml(app)
    install_openml_v2(app)
    install_pages(app)
    _middleware(app, hive)
    return app


def create_serving_app(settings: Settings | None = None) -> FastAPI:
    """An application serving only deployment calls and health (``mlhive serve-models``):
    ``POST /api/deployments/{name}/predict`` and ``/invocations``, ``GET /api/health``.

    It runs no job worker and no migrations (the main server's ``mlhive serve`` or
    ``mlhive db upgrade`` does); everything else is a 404.
    """
    base = settings or Settings()
    hive = build_hive(base.model_copy(update={"worker": "off", "migrate_on_start": False}))
    app = FastAPI(
        title="mlhive deployments",
        version=__version__,
        summary="Predictions of mlhive deployments.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(hive),
    )
    app.state.hive = hive
    install_key_mask()
    api_errors.install(app)
    for router in (system.health_router, deployments.calls):
        app.include_router(router, prefix="/api", dependencies=[Depends(known_query)])
    _middleware(app, hive)
    return app
