"""Profiles: what a person has shared (only what the viewer may see)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from mlhive.server.http.deps import HiveDep, read
from mlhive.server.services import accounts
from mlhive.server.services.datasets import listing
from mlhive.server.services.experiments import runs
from mlhive.server.services.forge import repos
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import ViewerDep

router = pages(tags=["pages"])
SHOWN = 50


@router.get("/people/{name}", response_class=HTMLResponse)
def profile(name: str, request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """A person's page: their datasets, models and latest runs."""
    with read(hive) as session:
        user = accounts.get_user(session, name)
        datasets = listing.summaries(
            session,
            who.actor,
            listing.DatasetSearch(uploader=name, status=None, sort="-upload_date", limit=SHOWN),
        ).items
        models = [
            repos.describe_repo(session, repo)
            for repo in repos.list_repos(session, who.actor, name, SHOWN, 0)
        ]
        latest = runs.summaries(session, runs.RunQuery(uploader=name, limit=SHOWN), who.actor)
        context = {
            "title": user.name,
            "person": {"name": user.name, "since": user.created_at, "is_admin": user.is_admin},
            "datasets": datasets,
            "models": models,
            "runs": latest.items,
        }
    return page(request, "people/profile.html", context)
