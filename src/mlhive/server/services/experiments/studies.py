"""Benchmark suites (collections of tasks) and studies (collections of runs)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlhive.server.db.queries import access
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import (
    Collection,
    CollectionRun,
    CollectionTask,
    Run,
    Task,
)
from mlhive.server.domain.access import Actor, can_see, require_owner
from mlhive.server.domain.datasets.lifecycle import TRANSITIONS
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound
from mlhive.server.domain.limits import storable_id
from mlhive.server.services import accounts
from mlhive.server.services.experiments import runs, tasks
from mlhive.wire.errors import ErrorCode
from mlhive.wire.studies import CollectionCreate, CollectionOut

MEMBER: dict[str, tuple[type[CollectionTask] | type[CollectionRun], Any]] = {
    "suite": (CollectionTask, CollectionTask.task_id),
    "study": (CollectionRun, CollectionRun.run_id),
}


def _check_members(session: Session, actor: Actor, kind: str, ids: list[int]) -> None:
    lookup = tasks.get if kind == "suite" else runs.get
    for member in ids:
        lookup(session, actor, member)  # NotFound names the missing task/run


def create(session: Session, actor: Actor, kind: str, body: CollectionCreate) -> Collection:
    """Create a suite (``task_ids``) or a study (``run_ids``)."""
    ids = body.task_ids if kind == "suite" else body.run_ids
    other = body.run_ids if kind == "suite" else body.task_ids
    if other:
        raise InvalidInput(
            f"a {kind} collects {'tasks' if kind == 'suite' else 'runs'} only",
            field="run_ids" if kind == "suite" else "task_ids",
        )
    _check_members(session, actor, kind, ids)
    collection = Collection(
        kind=kind,
        name=body.name,
        alias=body.alias,
        description=body.description,
        visibility=body.visibility,
        creator_id=accounts.owner_for(session, actor, body.owner),
    )
    try:
        with session.begin_nested():
            session.add(collection)
            session.flush()
    except IntegrityError:
        raise Conflict(f"a {kind} with alias {body.alias!r} exists already") from None
    _attach(session, collection, list(dict.fromkeys(ids)))
    return collection


def _attach(session: Session, collection: Collection, ids: list[int]) -> None:
    table, column = MEMBER[collection.kind]
    present = set(session.scalars(select(column).where(table.collection_id == collection.id)))
    session.add_all(
        table(collection_id=collection.id, **{column.key: i}) for i in ids if i not in present
    )
    session.flush()


def get(session: Session, actor: Actor | None, kind: str, ref: str | int) -> Collection:
    """A suite or study by id or alias."""
    stmt = select(Collection).where(Collection.kind == kind)
    text = str(ref)
    stmt = (
        stmt.where(Collection.id == int(text))
        if storable_id(text)
        else stmt.where(Collection.alias == text)
    )
    collection = session.scalar(stmt)
    if collection is None or not can_see(
        actor, owner_id=collection.creator_id, visibility=collection.visibility
    ):
        raise NotFound(f"{kind} {ref} not found")
    return collection


def _visible_members(kind: str, actor: Actor | None) -> Select[int]:
    if kind == "suite":
        joined = select(Task.id).join(Dataset, Dataset.id == Task.dataset_id)
        return joined.where(tasks.visible_tasks(actor))
    return select(Run.id).where(runs.visible_runs(actor))


def members(session: Session, collection: Collection, actor: Actor | None) -> list[int]:
    """Task or run ids of a collection that ``actor`` may see, in id order.

    A public suite may hold a task whose dataset is (or became) private: its id is left out
    for those who may not see the task, as every list of tasks or runs leaves it out.
    """
    table, column = MEMBER[collection.kind]
    stmt = select(column).where(table.collection_id == collection.id).order_by(column)
    if actor is None or not actor.is_admin:
        stmt = stmt.where(column.in_(_visible_members(collection.kind, actor)))
    return list(session.scalars(stmt))


def describe(session: Session, collection: Collection, actor: Actor | None) -> CollectionOut:
    """The wire form, with the member ids ``actor`` may see."""
    ids = members(session, collection, actor)
    return CollectionOut(
        id=collection.id,
        kind=collection.kind,
        name=collection.name,
        alias=collection.alias,
        description=collection.description,
        status=collection.status,
        visibility=collection.visibility,
        creator=collection.creator.name,
        created_at=collection.created_at,
        task_ids=ids if collection.kind == "suite" else [],
        run_ids=ids if collection.kind == "study" else [],
    )


def attach(session: Session, actor: Actor, kind: str, ref: str | int, ids: list[int]) -> Collection:
    """Add tasks/runs (the creator or an admin may)."""
    collection = get(session, actor, kind, ref)
    require_owner(actor, collection.creator_id, f"{kind} {ref}")
    _check_members(session, actor, kind, ids)
    table, column = MEMBER[kind]
    present = sorted(
        set(
            session.scalars(
                select(column).where(table.collection_id == collection.id, column.in_(ids))
            )
        )
    )
    if present:  # as OpenML: attaching a member twice is an error, not a silent no-op
        noun = "tasks" if kind == "suite" else "runs"
        raise Conflict(
            f"{noun} {', '.join(map(str, present))} are in {kind} {ref} already; "
            "attach only new ones"
        )
    _attach(session, collection, list(dict.fromkeys(ids)))
    return collection


def detach(session: Session, actor: Actor, kind: str, ref: str | int, ids: list[int]) -> Collection:
    """Remove tasks/runs (the creator or an admin may)."""
    collection = get(session, actor, kind, ref)
    require_owner(actor, collection.creator_id, f"{kind} {ref}")
    table, column = MEMBER[kind]
    session.execute(delete(table).where(table.collection_id == collection.id, column.in_(ids)))
    session.flush()
    return collection


def set_status(
    session: Session, actor: Actor, kind: str, ref: str | int, status: str
) -> Collection:
    """Move a collection along the same life cycle as datasets."""
    collection = get(session, actor, kind, ref)
    require_owner(actor, collection.creator_id, f"{kind} {ref}")
    if status != collection.status and status not in TRANSITIONS[collection.status]:
        raise Conflict(
            f"cannot change status from {collection.status} to {status}",
            code=ErrorCode.INVALID_STATUS_TRANSITION,
        )
    collection.status = status
    session.flush()
    return collection


def delete_collection(session: Session, actor: Actor, kind: str, ref: str | int) -> None:
    """Delete a collection (its tasks and runs stay)."""
    collection = get(session, actor, kind, ref)
    require_owner(actor, collection.creator_id, f"{kind} {ref}")
    table, _ = MEMBER[kind]
    session.execute(delete(table).where(table.collection_id == collection.id))
    session.delete(collection)
    session.flush()


def visible(actor: Actor | None) -> ColumnElement[bool]:
    """Collections the actor may see (as SQL)."""
    return access.visible(actor, Collection.creator_id, Collection.visibility)


def list_all(
    session: Session,
    actor: Actor | None,
    kind: str,
    status: str | None,
    *,
    limit: int | None = None,
    after: int | None = None,
) -> list[Collection]:
    """The visible suites or studies, optionally of one status, by id: at most ``limit``,
    those with an id above ``after`` (a keyset cursor)."""
    stmt = select(Collection).where(Collection.kind == kind, visible(actor))
    if status is not None:
        stmt = stmt.where(Collection.status == status)
    if after is not None:
        stmt = stmt.where(Collection.id > after)
    return list(session.scalars(stmt.order_by(Collection.id).limit(limit)))


def list_page(
    session: Session,
    actor: Actor | None,
    kind: str,
    status: str | None,
    *,
    limit: int,
    cursor: int | None = None,
) -> tuple[list[Collection], int | None]:
    """One page of suites or studies and the cursor (last id) of the next page, if any."""
    rows = list_all(session, actor, kind, status, limit=limit, after=cursor)
    return rows, rows[-1].id if len(rows) == limit else None
