"""Tags, the same way for every kind of object: anyone with a key may tag what they can see;
a tag is removed by whoever set it, the object's owner or an admin."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.tables.datasets import DatasetTag
from mlhive.server.db.tables.experiments import FlowTag, RunTag, TaskTag
from mlhive.server.domain.access import Actor, require_owner
from mlhive.server.domain.errors import NotFound
from mlhive.server.services.subjects import Subject


@dataclass(frozen=True)
class Tags:
    """The tag table of one kind of object and the name of its key column."""

    table: Any
    key: str
    noun: str

    def of(self, session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
        """Tags of many objects in one query, sorted."""
        result: dict[int, list[str]] = {i: [] for i in ids}
        column = getattr(self.table, self.key)
        stmt = select(column, self.table.tag).where(column.in_(list(result)))
        for object_id, tag in session.execute(stmt.order_by(self.table.tag)):
            result[object_id].append(tag)
        return result

    def add(self, session: Session, actor: Actor, object_id: int, tag: str) -> list[str]:
        """Tag an object the caller may see (checked by the caller); returns all its tags."""
        if session.get(self.table, (object_id, tag)) is None:
            session.add(self.table(**{self.key: object_id}, tag=tag, tagger_id=actor.id))
            session.flush()
        return self.of(session, [object_id])[object_id]

    def remove(
        self, session: Session, actor: Actor, object_id: int, owner_id: int, tag: str
    ) -> list[str]:
        """Remove a tag; returns the remaining tags."""
        row = session.get(self.table, (object_id, tag))
        if row is None:
            raise NotFound(f"{self.noun} {object_id} has no tag {tag!r}")
        if row.tagger_id != actor.id:
            require_owner(actor, owner_id, f"{self.noun} {object_id}", (self.noun, object_id))
        session.delete(row)
        session.flush()
        return self.of(session, [object_id])[object_id]


DATASET_TAGS = Tags(DatasetTag, "dataset_id", "dataset")
TASK_TAGS = Tags(TaskTag, "task_id", "task")
FLOW_TAGS = Tags(FlowTag, "flow_id", "flow")
RUN_TAGS = Tags(RunTag, "run_id", "run")

TaggableKind = Literal["dataset", "task", "flow", "run"]
TAGS: dict[str, Tags] = {
    "dataset": DATASET_TAGS,
    "task": TASK_TAGS,
    "flow": FLOW_TAGS,
    "run": RUN_TAGS,
}


def add(session: Session, actor: Actor, subject: Subject, tag: str) -> list[str]:
    """Tag an object (found with :func:`~mlhive.server.services.subjects.find`, so one the
    actor may see); returns all its tags."""
    return TAGS[subject.kind].add(session, actor, subject.id, tag)


def remove(session: Session, actor: Actor, subject: Subject, tag: str) -> list[str]:
    """Remove a tag: its tagger, the object's owner or an admin may; returns the rest."""
    return TAGS[subject.kind].remove(session, actor, subject.id, subject.owner_id, tag)
