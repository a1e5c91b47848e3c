"""The front door: what the hive holds, what happened last, and search across everything."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mlhive.server.http.deps import HiveDep, read
from mlhive.server.services import accounts
from mlhive.server.services.datasets import listing
from mlhive.server.services.datasets import overview as dataset_overview
from mlhive.server.services.experiments import overview as experiment_overview
from mlhive.server.services.forge import overview as forge_overview
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import ViewerDep
from mlhive.server.wiring import Hive

router = pages(tags=["pages"])
RECENT = 8
HITS = 20
COUNTS_TTL_S = 60.0  # public counts are the same for everyone: count once a minute, not per view


@dataclass(frozen=True)
class Counts:
    """How many public objects of each kind the hive holds."""

    datasets: int
    tasks: int
    flows: int
    runs: int
    models: int
    people: int


def _count(hive: Hive) -> Counts:
    with read(hive) as session:
        experiments = experiment_overview.count_public(session)
        return Counts(
            datasets=dataset_overview.count_public(session),
            tasks=experiments.tasks,
            flows=experiments.flows,
            runs=experiments.runs,
            models=forge_overview.count_public(session),
            people=accounts.count_users(session),
        )


def public_counts(request: Request, hive: Hive) -> Counts:
    """The counts, recomputed at most once per :data:`COUNTS_TTL_S` per server process."""
    cached: tuple[float, Counts] | None = getattr(request.app.state, "home_counts", None)
    now = time.monotonic()
    if cached is None or cached[0] < now:
        cached = (now + COUNTS_TTL_S, _count(hive))
        request.app.state.home_counts = cached
    return cached[1]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """The home page: search, counts and the newest datasets, runs, commits and requests."""
    counts = public_counts(request, hive)
    with read(hive) as session:
        context: dict[str, Any] = {
            "title": "Home",
            "counts": counts,
            "datasets": listing.summaries(
                session, who.actor, listing.DatasetSearch(sort="-upload_date", limit=RECENT)
            ).items,
            "runs": experiment_overview.latest_runs(session, who.actor, RECENT),
            "commits": forge_overview.latest_commits(session, who.actor, RECENT),
            "requests": forge_overview.latest_requests(session, who.actor, RECENT),
        }
    return page(request, "home.html", context)


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Datasets, tasks, flows, models and people whose names (or descriptions) match ``q``."""
    text = q.strip()
    context: dict[str, Any] = {"title": f"Search: {text}" if text else "Search", "query": text}
    if text:
        with read(hive) as session:
            context["results"] = {
                "datasets": listing.summaries(
                    session, who.actor, listing.DatasetSearch(text=text, limit=HITS)
                ).items,
                "tasks": experiment_overview.search_tasks(session, who.actor, text, HITS),
                "flows": experiment_overview.search_flows(session, text, HITS),
                "models": forge_overview.search(session, who.actor, text, HITS),
                "people": [u.name for u in accounts.search_users(session, text, HITS)],
            }
    return page(request, "search.html", context)
