"""Native REST routes for people: suggested collaborators, a thin adapter onto the social
services (the qualities index comes from AutoML's similar-datasets lookup)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mlhive.server.http.deps import HiveDep, MaybeActor, read
from mlhive.server.services.automl import similar
from mlhive.server.services.social import suggestions as service
from mlhive.wire.suggestions import Suggestion

router = APIRouter(prefix="/people", tags=["social"])

Limit = Annotated[
    int, Query(ge=1, le=service.MAX_LIMIT, description="How many suggestions (1 to 50).")
]


@router.get("/{name}/suggested")
def suggested(name: str, actor: MaybeActor, hive: HiveDep, limit: Limit = 10) -> list[Suggestion]:
    """Accounts whose work overlaps with ``name``'s, strongest first, each with its reasons:
    runs on the same tasks, datasets with similar qualities, forks and merge requests between
    their models, shared interests. Counted only over what you may see; teammates and
    accepted collaborators are left out (they already work together)."""
    with read(hive) as session:

        def near(ids: list[int], k: int, skip: tuple[int, ...]) -> dict[int, list[int]]:
            return similar.neighbours(session, hive.meta_index, actor, ids, k, skip)

        return service.suggested(session, actor, name, near, limit)
