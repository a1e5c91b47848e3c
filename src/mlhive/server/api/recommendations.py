"""Native REST route for a task's recommendations: a thin adapter onto the automl services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mlhive.server.api.openapi import problem_response
from mlhive.server.http.deps import HiveDep, MaybeActor, read
from mlhive.server.http.params import ObjectId
from mlhive.server.services.automl import recommendations as service
from mlhive.wire.automl import Recommendations

router = APIRouter(prefix="/tasks", tags=["automl"])


# A read that can still conflict: the dataset has no qualities yet (not_processed).
@router.get("/{task_id}/recommendations", responses={409: problem_response(409)})
def task_recommendations(
    task_id: ObjectId,
    actor: MaybeActor,
    hive: HiveDep,
    measure: Annotated[
        str | None,
        Query(max_length=64, description="The measure to rank by (default: the task type's)."),
    ] = None,
) -> Recommendations:
    """Flows and setups that did best on similar tasks (the same task type on the most
    similar datasets you may see), ranked, each with its evidence, and a greedy portfolio of
    setups that together are best across those tasks; computed from the stored evaluations."""
    with read(hive) as session:
        return service.recommend(session, hive.meta_index, actor, task_id, measure)
