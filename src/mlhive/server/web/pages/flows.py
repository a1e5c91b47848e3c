"""Flow pages: the list, and one flow with its parameters, components and runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mlhive.server.http.deps import HiveDep, read
from mlhive.server.http.params import ObjectId, Offset
from mlhive.server.services.experiments import flows, insights, runs
from mlhive.server.web.pages.discussions import section
from mlhive.server.web.pages.experiment_views import (
    PAGE_SIZE,
    href,
    measure_title,
    readable_flow,
    short_name,
)
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import ViewerDep

router = pages(tags=["pages"])


@router.get("/flows", response_class=HTMLResponse)
def flow_list(
    request: Request,
    hive: HiveDep,
    _: ViewerDep,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Flows by id, optionally with a tag, a page at a time."""
    with read(hive) as session:
        found = flows.list_summaries(
            session, tag=tag or None, name=None, limit=PAGE_SIZE + 1, offset=offset
        )
    more = len(found) > PAGE_SIZE
    context = {
        "title": "Flows",
        "flows": found[:PAGE_SIZE],
        "names": {f.id: readable_flow(f.name) for f in found},
        "tag": tag,
        "next_href": href("/flows", tag=tag, offset=offset + PAGE_SIZE) if more else None,
        "first_href": href("/flows", tag=tag) if offset else None,
    }
    return page(request, "experiments/flows.html", context)


@router.get("/flows/{flow_id}", response_class=HTMLResponse)
def flow_page(
    flow_id: ObjectId,
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    after: ObjectId | None = None,
) -> HTMLResponse:
    """A flow: what it is, its parameters with defaults, its components and its runs."""
    with read(hive) as session:
        flow = flows.describe(session, flows.get(session, flow_id))
        found = runs.summaries(
            session, runs.RunQuery(flow_ids=(flow_id,), limit=PAGE_SIZE, cursor=after), who.actor
        )
        scores = insights.headline_scores(session, [r.id for r in found.items])
    next_cursor = found.next_cursor
    context = {
        "title": readable_flow(flow.name, 80),
        "flow": flow,
        "label": readable_flow(flow.name, 70),
        "runs": found.items,
        "scores": scores,
        "names": {flow.id: readable_flow(flow.name, 60)},
        "measure_title": measure_title,
        "short_name": short_name,
        "next_href": href(f"/flows/{flow_id}", after=next_cursor) if next_cursor else None,
        "first_href": f"/flows/{flow_id}" if after is not None else None,
        "discussions": section(hive, who, "flow", flow_id),
    }
    return page(request, "experiments/flow.html", context)
