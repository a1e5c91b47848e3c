"""What a dataset's page can do: tag, untag, edit the description, change status, fork, and
create a task. Every form posts here and is redirected back to a page showing the change."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Form
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.http.deps import HiveDep, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services import subjects, tagging
from mlhive.server.services.datasets import catalog
from mlhive.server.services.experiments import tasks
from mlhive.server.web.routing import pages
from mlhive.server.web.session import FormActor
from mlhive.wire.datasets import DatasetUpdate, ForkRequest, StatusUpdate, TagRequest
from mlhive.wire.tasks import TaskCreate

router = pages(tags=["pages"])
Model = TypeVar("Model", bound=BaseModel)
Field = Annotated[str, Form(max_length=200)]


def _valid(model: type[Model], **values: Any) -> Model:
    """The form's fields as ``model``; a bad field is a 422 page naming it."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or model.__name__
        raise InvalidInput(f"{where}: {first['msg']}", field=where) from None


def _back(dataset_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/datasets/{dataset_id}{anchor}", status_code=303)


@router.post("/datasets/{dataset_id}/tags")
def add_tag(
    dataset_id: ObjectId, actor: FormActor, hive: HiveDep, tag: Field = ""
) -> RedirectResponse:
    """Tag the dataset (anyone signed in who can see it)."""
    body = _valid(TagRequest, tag=tag.strip())
    with write(hive) as session:
        subject = subjects.find(session, actor, "dataset", dataset_id)
        tagging.add(session, actor, subject, body.tag)
    return _back(dataset_id, "#tags")


@router.post("/datasets/{dataset_id}/tags/remove")
def remove_tag(
    dataset_id: ObjectId, actor: FormActor, hive: HiveDep, tag: Field = ""
) -> RedirectResponse:
    """Remove a tag (its tagger, the owner or an administrator)."""
    with write(hive) as session:
        subject = subjects.find(session, actor, "dataset", dataset_id)
        tagging.remove(session, actor, subject, tag)
    return _back(dataset_id, "#tags")


@router.post("/datasets/{dataset_id}/description")
def edit_description(
    dataset_id: ObjectId,
    actor: FormActor,
    hive: HiveDep,
    description: Annotated[str, Form(max_length=100_000)] = "",
) -> RedirectResponse:
    """Replace the description (owner or administrator); the old one stays in the history."""
    patch = _valid(DatasetUpdate, description=description.replace("\r\n", "\n"))
    with write(hive) as session:
        catalog.update(session, hive.store, actor, dataset_id, patch)
    return _back(dataset_id)


@router.post("/datasets/{dataset_id}/status")
def change_status(
    dataset_id: ObjectId, actor: FormActor, hive: HiveDep, status: Field = ""
) -> RedirectResponse:
    """Move the dataset along its life cycle (owner or administrator)."""
    body = _valid(StatusUpdate, status=status)
    with write(hive) as session:
        catalog.set_status(session, actor, dataset_id, body.status)
    return _back(dataset_id)


@router.post("/datasets/{dataset_id}/fork")
def fork(
    dataset_id: ObjectId, actor: FormActor, hive: HiveDep, name: Field = ""
) -> RedirectResponse:
    """Make the caller's own copy (same data, stored once) and open it."""
    body = _valid(ForkRequest, name=name.strip() or None)
    with write(hive) as session:
        copy = catalog.fork(session, actor, dataset_id, body.name, None)
        new_id = copy.id
    return _back(new_id)


@router.post("/datasets/{dataset_id}/tasks")
def create_task(
    dataset_id: ObjectId,
    actor: FormActor,
    hive: HiveDep,
    task_type: Field = "",
    target: Field = "",
    estimation_procedure_id: Field = "",
) -> RedirectResponse:
    """Create a task on the dataset (or find the identical one) and open it."""
    body = _valid(
        TaskCreate,
        task_type=task_type,
        dataset_id=dataset_id,
        target=target or None,
        estimation_procedure_id=estimation_procedure_id,
    )
    with write(hive) as session:
        task, _ = tasks.create(session, hive.store, hive.settings, actor, body)
        task_id = task.id
    return RedirectResponse(f"/tasks/{task_id}", status_code=303)
