"""The front door: what the hive holds and what happened last."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from mlhive.server.http.deps import HiveDep, read
from mlhive.server.services.datasets import listing
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import ViewerDep

router = pages(tags=["pages"])


@router.get("/", response_class=HTMLResponse)
def home(request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """The home page: search, and the newest datasets."""
    with read(hive) as session:
        newest = listing.summaries(
            session, who.actor, listing.DatasetSearch(sort="-upload_date", limit=10)
        ).items
    return page(request, "home.html", {"title": "Home", "newest": newest})
