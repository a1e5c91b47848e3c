"""What an object is and who owns it, for every kind of object, in one place.

A *subject* is anything people tag, and later discuss or react to: a dataset, task, flow, run,
suite, study or model repository. Its **owner** may change it; its **gate** decides who may
see it: a task and its runs are visible exactly when their dataset is, flows are public, the
other kinds carry their own visibility. An object the caller may not see is reported as not
found, like a missing one, so that private objects do not leak their existence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy import Select, literal, select
from sqlalchemy.orm import Session

from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Collection, Flow, Run, Task
from mlhive.server.db.tables.forge import MergeRequest, ModelCommit, ModelMerge, ModelRepo
from mlhive.server.db.tables.jobs import Job
from mlhive.server.domain.access import Actor, can_see, require_owner
from mlhive.server.domain.errors import NotFound
from mlhive.server.jobs import queue
from mlhive.wire.common import MAX_ID

Kind = Literal["dataset", "task", "flow", "run", "suite", "study", "model"]
KINDS: tuple[Kind, ...] = get_args(Kind)
# owner id, gate owner id, visibility
_OwnerQuery = Select[int, int, str]


@dataclass(frozen=True)
class Subject:
    """One object: its kind and id, its owner, and who may see it."""

    kind: Kind
    id: int
    owner_id: int
    gate_owner_id: int
    visibility: str

    @property
    def ref(self) -> str:
        """``kind:id``, as job subjects and references in text are written."""
        return f"{self.kind}:{self.id}"

    def visible_to(self, actor: Actor | None) -> bool:
        """Whether ``actor`` may see the object."""
        return can_see(
            actor, owner_id=self.gate_owner_id, visibility=self.visibility, subject=self.grant_ref
        )

    def require_owner(self, actor: Actor) -> None:
        """Raise PermissionDenied unless ``actor`` owns the object or is an administrator."""
        require_owner(actor, self.owner_id, f"{self.kind} {self.id}", self.grant_ref)

    @property
    def grant_ref(self) -> tuple[str, int]:
        """The object as collaborator grants name it (``kind``, ``id``)."""
        return (self.kind, self.id)


def _dataset(object_id: int) -> _OwnerQuery:
    return select(Dataset.uploader_id, Dataset.uploader_id, Dataset.visibility).where(
        Dataset.id == object_id
    )


def _task(object_id: int) -> _OwnerQuery:
    return (
        select(Task.uploader_id, Dataset.uploader_id, Dataset.visibility)
        .join(Dataset, Dataset.id == Task.dataset_id)
        .where(Task.id == object_id)
    )


def _run(object_id: int) -> _OwnerQuery:
    return (
        select(Run.uploader_id, Dataset.uploader_id, Dataset.visibility)
        .join(Task, Task.id == Run.task_id)
        .join(Dataset, Dataset.id == Task.dataset_id)
        .where(Run.id == object_id)
    )


def _flow(object_id: int) -> _OwnerQuery:
    return select(Flow.uploader_id, Flow.uploader_id, literal("public")).where(Flow.id == object_id)


def _collection(kind: str) -> Callable[[int], _OwnerQuery]:
    def query(object_id: int) -> _OwnerQuery:
        columns = (Collection.creator_id, Collection.creator_id, Collection.visibility)
        return select(*columns).where(Collection.id == object_id, Collection.kind == kind)

    return query


def _model(object_id: int) -> _OwnerQuery:
    return select(ModelRepo.owner_id, ModelRepo.owner_id, ModelRepo.visibility).where(
        ModelRepo.id == object_id
    )


_QUERIES: dict[Kind, Callable[[int], _OwnerQuery]] = {
    "dataset": _dataset,
    "task": _task,
    "flow": _flow,
    "run": _run,
    "suite": _collection("suite"),
    "study": _collection("study"),
    "model": _model,
}


def find(session: Session, actor: Actor | None, kind: Kind, object_id: int) -> Subject:
    """The object ``kind`` ``object_id`` as ``actor`` may see it.

    Raises:
        NotFound: no such object, or one the actor may not see.
    """
    # An id beyond the database's integers has no row (and PostgreSQL would refuse the query).
    in_range = -MAX_ID - 1 <= object_id <= MAX_ID
    row = session.execute(_QUERIES[kind](object_id)).first() if in_range else None
    subject = None if row is None else Subject(kind, object_id, row[0], row[1], row[2])
    if subject is None or not subject.visible_to(actor):
        raise NotFound(f"{kind} {object_id} not found")
    return subject


def exists(session: Session, kind: Kind, object_id: int) -> bool:
    """Whether the object exists at all, visible or not (for faces that must tell the two
    apart, as OpenML's "no access" error does)."""
    return session.execute(_QUERIES[kind](object_id)).first() is not None


# A job's subject (``kind:id``) names the object it works on; forge jobs name a part of a
# model repository, which decides who may see them.
_FORGE_PARTS: dict[str, type[ModelCommit] | type[MergeRequest] | type[ModelMerge]] = {
    "model_commit": ModelCommit,
    "model_mr": MergeRequest,
    "model_merge": ModelMerge,
}


def _job_subject(session: Session, ref: str) -> Subject | None:
    name, _, raw_id = ref.partition(":")
    if not raw_id.isdigit():
        return None
    object_id = int(raw_id)
    part = _FORGE_PARTS.get(name)
    if part is not None:
        object_id = session.scalar(select(part.repo_id).where(part.id == object_id)) or 0
        name = "model"
    kind = next((k for k in KINDS if k == name), None)
    if kind is None:
        return None
    row = session.execute(_QUERIES[kind](object_id)).first()
    return None if row is None else Subject(kind, object_id, row[0], row[1], row[2])


def find_job(session: Session, actor: Actor | None, job_id: int) -> Job:
    """The background job ``job_id``, for those who may see the object it works on.

    A job tells its object's state and its errors, so it is as private as that object;
    administrators see every job, and nobody else one without a known subject.

    Raises:
        NotFound: no such job, or one about an object the actor may not see.
    """
    job = queue.get_job(session, job_id)
    if actor is not None and actor.is_admin:
        return job
    subject = _job_subject(session, job.subject)
    if subject is None or not subject.visible_to(actor):
        raise NotFound(f"job {job_id} not found")
    return job


def lookup(session: Session, kind: Kind, object_id: int) -> Subject | None:
    """The object as it is now, whoever asks (None: it no longer exists). For readers that
    check access themselves with :meth:`Subject.visible_to`, such as activity feeds."""
    row = session.execute(_QUERIES[kind](object_id)).first()
    return None if row is None else Subject(kind, object_id, row[0], row[1], row[2])


def _many(kind: Kind, ids: list[int]) -> Select[int, int, int, str]:
    """``(id, owner, gate owner, visibility)`` of many objects of one kind (as ``_QUERIES``)."""
    if kind == "dataset":
        return select(
            Dataset.id, Dataset.uploader_id, Dataset.uploader_id, Dataset.visibility
        ).where(Dataset.id.in_(ids))
    if kind == "task":
        return (
            select(Task.id, Task.uploader_id, Dataset.uploader_id, Dataset.visibility)
            .join(Dataset, Dataset.id == Task.dataset_id)
            .where(Task.id.in_(ids))
        )
    if kind == "run":
        return (
            select(Run.id, Run.uploader_id, Dataset.uploader_id, Dataset.visibility)
            .join(Task, Task.id == Run.task_id)
            .join(Dataset, Dataset.id == Task.dataset_id)
            .where(Run.id.in_(ids))
        )
    if kind == "flow":
        return select(Flow.id, Flow.uploader_id, Flow.uploader_id, literal("public")).where(
            Flow.id.in_(ids)
        )
    if kind == "model":
        return select(
            ModelRepo.id, ModelRepo.owner_id, ModelRepo.owner_id, ModelRepo.visibility
        ).where(ModelRepo.id.in_(ids))
    return select(
        Collection.id, Collection.creator_id, Collection.creator_id, Collection.visibility
    ).where(Collection.id.in_(ids), Collection.kind == kind)


def lookup_many(session: Session, kind: Kind, ids: Iterable[int]) -> dict[int, Subject]:
    """:func:`lookup` for many objects of one kind in one query (missing ones are absent)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(_many(kind, wanted))
    return {int(r[0]): Subject(kind, int(r[0]), r[1], r[2], r[3]) for r in rows}
