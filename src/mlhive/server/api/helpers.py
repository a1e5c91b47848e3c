"""Native REST routes for "who could help": people with the best results on a task or a
dataset and on similar ones, a thin adapter onto the social services."""

from __future__ import annotations

from fastapi import APIRouter

from mlhive.server.api.people import Limit
from mlhive.server.http.deps import HiveDep, MaybeActor, read
from mlhive.server.http.params import ObjectId
from mlhive.server.services.automl import similar
from mlhive.server.services.social import suggestions as service
from mlhive.wire.suggestions import Suggestion

router = APIRouter(tags=["social"])


@router.get("/tasks/{task_id}/helpers")
def task_helpers(
    task_id: ObjectId, actor: MaybeActor, hive: HiveDep, limit: Limit = 10
) -> list[Suggestion]:
    """People with the best results (the task's main measure) on this task and on tasks of
    the datasets most similar to its dataset, strongest first, each with their results;
    you are left out. Only runs you may see count."""
    with read(hive) as session:

        def near(ids: list[int], k: int, skip: tuple[int, ...]) -> dict[int, list[int]]:
            return similar.neighbours(session, hive.meta_index, actor, ids, k, skip)

        return service.helpers_for_task(session, actor, task_id, near, limit)


@router.get("/datasets/{dataset_id}/helpers")
def dataset_helpers(
    dataset_id: ObjectId, actor: MaybeActor, hive: HiveDep, limit: Limit = 10
) -> list[Suggestion]:
    """People with the best results on this dataset's tasks and on tasks of the most similar
    datasets, strongest first, each with their results; you are left out."""
    with read(hive) as session:

        def near(ids: list[int], k: int, skip: tuple[int, ...]) -> dict[int, list[int]]:
            return similar.neighbours(session, hive.meta_index, actor, ids, k, skip)

        return service.helpers_for_dataset(session, actor, dataset_id, near, limit)
