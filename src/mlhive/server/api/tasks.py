"""Native REST routes for tasks and estimation procedures."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from mlhive.server.api.openapi import file_responses
from mlhive.server.api.params import QualityFilter, quality_ranges
from mlhive.server.api.tagging import tag_routes
from mlhive.server.domain.experiments.procedures import PROCEDURES, to_wire
from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.files import send_blob
from mlhive.server.http.params import ObjectId, Offset
from mlhive.server.services.experiments import tasks
from mlhive.wire.tasks import EstimationProcedureOut, TaskCreate, TaskOut, TaskPage, TaskType

router = APIRouter(tags=["tasks"])

MEDIA = {"parquet": "application/vnd.apache.parquet", "arff": "text/plain; charset=utf-8"}


@router.get("/estimation-procedures")
def list_procedures(task_type: TaskType | None = None) -> list[EstimationProcedureOut]:
    """OpenML's estimation procedures (ids and names as on OpenML)."""
    return [to_wire(p) for p in PROCEDURES if task_type is None or p.task_type == task_type]


@router.post("/tasks", status_code=status.HTTP_201_CREATED)
def create_task(
    body: TaskCreate, actor: RequiredActor, hive: HiveDep, response: Response
) -> TaskOut:
    """Create a task (the server makes and stores its splits), or get the identical one (200)."""
    with write(hive) as session:
        task, created = tasks.create(session, hive.store, hive.settings, actor, body)
        if not created:
            response.status_code = status.HTTP_200_OK
        return tasks.describe(task, tasks.tags_of(session, [task.id])[task.id])


@router.get("/tasks")
def list_tasks(
    actor: MaybeActor,
    hive: HiveDep,
    task_type: TaskType | None = None,
    dataset_id: ObjectId | None = None,
    tag: str | None = None,
    status: Literal["active", "deactivated", "all"] = "active",
    quality: Annotated[
        list[QualityFilter], Query(description="dataset quality NAME:LOW..HIGH, repeatable")
    ] = [],
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    cursor: ObjectId | None = None,
    offset: Annotated[Offset, Query()] = 0,
) -> TaskPage:
    """List tasks (filter by type, dataset, tag, status and the dataset's qualities)."""
    query = tasks.TaskQuery(
        task_type=task_type,
        dataset_id=dataset_id,
        tag=tag,
        status=None if status == "all" else status,
        qualities=quality_ranges(quality),
        limit=limit,
        cursor=cursor,
        offset=offset,
    )
    with read(hive) as session:
        rows, next_cursor = tasks.list_page(session, query, actor)
        tags = tasks.tags_of(session, [t.id for t in rows])
        items = [tasks.describe(t, tags[t.id]) for t in rows]
    return TaskPage(items=items, next_cursor=str(next_cursor) if next_cursor else None)


@router.get("/tasks/{task_id}")
def get_task(task_id: ObjectId, actor: MaybeActor, hive: HiveDep) -> TaskOut:
    """A task's description."""
    with read(hive) as session:
        task = tasks.get(session, actor, task_id)
        return tasks.describe(task, tasks.tags_of(session, [task.id])[task.id])


@router.get(
    "/tasks/{task_id}/splits", response_class=Response, responses=file_responses(*MEDIA.values())
)
def get_splits(
    task_id: ObjectId,
    request: Request,
    actor: MaybeActor,
    hive: HiveDep,
    format: Literal["parquet", "arff"] = "parquet",
) -> Response:
    """The task's fixed splits (type, rowid, repeat, fold, sample)."""
    with read(hive) as session:
        sha, filename = tasks.splits_file(session, actor, task_id, format)
    return send_blob(request, hive.store, sha, filename, MEDIA[format])


router.include_router(tag_routes("task", "/tasks"))
