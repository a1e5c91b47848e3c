"""Finding collaborators: the people whose work overlaps with a person's, each with the
reasons, counted over what the viewer may see (the same service as the API's)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from mlhive.server.http.deps import HiveDep, read
from mlhive.server.services import accounts
from mlhive.server.services.automl import similar
from mlhive.server.services.social import suggestions
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import ViewerDep

router = pages(tags=["pages"])
SHOWN = 20


@router.get("/people/{name}/suggested", response_class=HTMLResponse)
def suggested(name: str, request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """Suggested collaborators for a person (teammates and accepted collaborators left out)."""
    with read(hive) as session:
        user = accounts.get_user(session, name)

        def near(ids: list[int], k: int, skip: tuple[int, ...]) -> dict[int, list[int]]:
            return similar.neighbours(session, hive.meta_index, who.actor, ids, k, skip)

        found = suggestions.suggested(session, who.actor, name, near, SHOWN)
        context = {
            "title": f"Suggested collaborators for {user.name}",
            "person": user.name,
            "yours": who.actor is not None and who.actor.id == user.id,
            "suggestions": found,
        }
    return page(request, "people/suggested.html", context)
