"""What the front page says about experiments: counts, the newest runs, tasks and flows found
by a search. Visibility is the lists' own rule (tasks and runs over private datasets stay
hidden from those who may not see the dataset)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from mlhive.server.db.queries.datasets import visible_to
from mlhive.server.db.queries.text import contains
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Flow, Run, Task
from mlhive.server.domain.access import Actor
from mlhive.server.services.experiments.runs import visible_runs


@dataclass(frozen=True)
class RunLine:
    """One run in an activity list."""

    id: int
    task_id: int
    flow_id: int
    flow_name: str
    uploader: str
    upload_time: datetime
    state: str


@dataclass(frozen=True)
class TaskHit:
    """A task a search or a profile shows: its id, type, dataset and creation time."""

    id: int
    task_type: str
    dataset_id: int
    dataset_name: str
    target: str | None
    created_at: datetime


@dataclass(frozen=True)
class FlowHit:
    """A flow a search found."""

    id: int
    name: str
    external_version: str


@dataclass(frozen=True)
class Counts:
    """Public tasks, flows and runs."""

    tasks: int
    flows: int
    runs: int


def count_public(session: Session) -> Counts:
    """How many tasks, flows and runs anyone can see."""
    tasks = select(func.count()).select_from(Task).join(Dataset, Dataset.id == Task.dataset_id)
    runs = select(func.count()).select_from(Run).where(visible_runs(None))
    return Counts(
        tasks=int(session.scalar(tasks.where(visible_to(None))) or 0),
        flows=int(session.scalar(select(func.count()).select_from(Flow)) or 0),
        runs=int(session.scalar(runs) or 0),
    )


def latest_runs(
    session: Session, actor: Actor | None, limit: int, *, uploader_id: int | None = None
) -> list[RunLine]:
    """The newest runs the actor may see (of one uploader, if given), newest first."""
    stmt = select(Run).where(visible_runs(actor))
    if uploader_id is not None:
        stmt = stmt.where(Run.uploader_id == uploader_id)
    stmt = stmt.order_by(Run.id.desc()).limit(limit)
    return [
        RunLine(
            id=run.id,
            task_id=run.task_id,
            flow_id=run.flow_id,
            flow_name=run.flow.name,
            uploader=run.uploader.name,
            upload_time=run.upload_time,
            state=run.state,
        )
        for run in session.scalars(stmt)
    ]


def search_tasks(session: Session, actor: Actor | None, text: str, limit: int) -> list[TaskHit]:
    """Tasks whose dataset name or target contains ``text`` (case-insensitive)."""
    found = _task_hits(actor).where(or_(contains(Dataset.name, text), contains(Task.target, text)))
    return [TaskHit(*row) for row in session.execute(found.order_by(Task.id).limit(limit))]


def tasks_by(session: Session, actor: Actor | None, user_id: int, limit: int) -> list[TaskHit]:
    """The newest tasks ``user_id`` created that the actor may see, newest first."""
    mine = _task_hits(actor).where(Task.uploader_id == user_id)
    return [TaskHit(*row) for row in session.execute(mine.order_by(Task.id.desc()).limit(limit))]


def _task_hits(actor: Actor | None) -> Select[int, str, int, str, str | None, datetime]:
    return (
        select(Task.id, Task.task_type, Dataset.id, Dataset.name, Task.target, Task.created_at)
        .join(Dataset, Dataset.id == Task.dataset_id)
        .where(visible_to(actor))
    )


def search_flows(session: Session, text: str, limit: int) -> list[FlowHit]:
    """Flows whose name contains ``text`` (flows are public)."""
    stmt = (
        select(Flow.id, Flow.name, Flow.external_version)
        .where(contains(Flow.name, text))
        .order_by(Flow.id)
        .limit(limit)
    )
    return [FlowHit(*row) for row in session.execute(stmt)]
