"""Deployments in a browser: the list, and one deployment with the alias it follows, the
commit answering now, its call and error counts, answer times and input drift, the alias's
latest moves and how to call it."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from mlhive.server.http.deps import HiveDep
from mlhive.server.http.serving import counted, pending
from mlhive.server.services.serving import deployments, metrics
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import ViewerDep

router = pages(tags=["pages"])
SHOWN = 200
TRAIL = 20


def call_snippet(public_url: str, name: str, names: list[str]) -> str:
    """A curl call of the deployment's ``predict`` with one row of the model's columns."""
    row = ", ".join(f'"{n}": 0' for n in names) or '"x": 0'
    return (
        f"curl -X POST {public_url}/api/deployments/{name}/predict \\\n"
        '  -H "Authorization: Bearer $MLHIVE_API_KEY" -H "Content-Type: application/json" \\\n'
        f"  -d '{{\"rows\": [{{{row}}}]}}'"
    )


@router.get("/deployments", response_class=HTMLResponse)
def deployment_list(request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """Every deployment the viewer may see, by name, with its commit and counts."""
    with counted(hive) as session:
        rows = deployments.list_deployments(session, who.actor, None, SHOWN, 0)
        shown = [deployments.describe(session, d, pending(hive, d.id)[0]) for d in rows]
    return page(request, "deployments/list.html", {"title": "Deployments", "deployments": shown})


@router.get("/deployments/{name}", response_class=HTMLResponse)
def deployment_page(name: str, request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """One deployment: what it serves, the commit answering now, counts, the alias's trail."""
    with counted(hive) as session:
        found = deployments.get(session, who.actor, name)
        counts, recorded = pending(hive, found.id)
        described = deployments.describe(session, found, counts)
        columns = deployments.input_columns(session, found)
        context = {
            "title": f"Deployment {described.name}",
            "d": described,
            "m": metrics.summary(session, who.actor, found, recorded, counts),
            "trail": deployments.alias_trail(session, found, TRAIL),
            "snippet": call_snippet(str(request.base_url).rstrip("/"), described.name, columns),
        }
    return page(request, "deployments/detail.html", context)
