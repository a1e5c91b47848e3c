"""Automatic leaderboards: every processed dataset with a default target gets its standard
task, cheap baselines and an AutoML search (``auto_automl_budget`` seconds; 0 = off).

Dataset processing writes the dataset's :class:`AutoLeaderboard` row (``queued``) and queues
the job (:func:`mlhive.server.services.datasets.processing.queue_auto_leaderboard`); its
handler (:mod:`.jobs`) runs these phases in transactions of its own:

1. :func:`begin` reads the dataset and makes (or finds) its standard task: the default
   target's type decides classification or regression, the task type's default procedure
   (10-fold cross-validation) its splits. A dataset without a usable default target is
   ``skipped``, and the row says why.
2. The baselines of :mod:`~mlhive.server.domain.automl.baselines` are fitted on the task's
   folds outside any transaction and submitted as runs (:func:`record_baseline`), scored by
   the server like any upload.
3. :func:`finish` queues the AutoML search with the budget.

All of it is owned by the dataset's uploader and goes through the same services as their own
requests would, so a private dataset's task, runs, study and model are private too. Once per
dataset: a dataset whose row is done (or on its way) is not made again when it is reprocessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.config import Settings
from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.automl import AutoLeaderboard, AutoMLSearch
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Run
from mlhive.server.domain.access import Actor
from mlhive.server.domain.automl import space
from mlhive.server.domain.automl.baselines import baselines
from mlhive.server.domain.errors import DomainError
from mlhive.server.domain.experiments.procedures import default_procedure
from mlhive.server.services.automl import automl
from mlhive.server.services.datasets import catalog
from mlhive.server.services.experiments import tasks
from mlhive.server.services.forge.evaluation import FoldRun, TaskSpec, submit_run, task_spec
from mlhive.server.storage import BlobStore
from mlhive.wire.automl import AutoLeaderboardOut, AutoMLCreate
from mlhive.wire.tasks import TaskCreate, TaskType

TAGS = ["auto", "baseline"]
KINDS: dict[str, TaskType] = {
    "nominal": "supervised_classification",
    "numeric": "supervised_regression",
}


@dataclass(frozen=True)
class AutoPlan:
    """What the baselines and the search need, copied out of :func:`begin`'s transaction."""

    dataset_id: int
    actor: Actor
    spec: TaskSpec
    estimators: list[Any]
    time_budget: float


def begin(
    session: Session, store: BlobStore, settings: Settings, dataset_id: int
) -> AutoPlan | None:
    """Make the dataset's standard task; None when there is nothing (more) to do.

    A queued row is taken (``running``); a dataset without a default target, or whose target
    is neither nominal nor numeric, is marked ``skipped`` with the reason.
    """
    row = session.get(AutoLeaderboard, dataset_id)
    dataset = session.get(Dataset, dataset_id)
    if row is None or row.state not in ("queued", "running"):  # running: a retried job
        return None
    if dataset is None:
        session.delete(row)
        return None
    owner = session.get_one(User, dataset.uploader_id)
    actor = Actor(id=owner.id, name=owner.name, is_admin=owner.is_admin)
    target = (dataset.default_target_attribute or "").split(",")[0].strip()
    if not target:
        return _skip(
            row,
            f"dataset {dataset.id} has no default target attribute, so the hive cannot tell "
            "what to predict: upload a version with a default_target_attribute (it gets a "
            "leaderboard once processed), or create a task that names a target",
        )
    feature = tasks.target_feature(session, dataset, target)
    kind = KINDS.get(feature.data_type)
    if kind is None:
        return _skip(
            row,
            f"the default target {target!r} is {feature.data_type}: the hive makes "
            "classification tasks for nominal targets and regression tasks for numeric ones",
        )
    body = TaskCreate(
        task_type=kind, dataset_id=dataset.id,
        estimation_procedure_id=default_procedure(kind).id, tags=["auto"],
    )  # fmt: skip
    task, _ = tasks.create(session, store, settings, actor, body)
    row.state, row.task_id = "running", task.id
    has_runs = session.scalar(select(Run.id).where(Run.task_id == task.id).limit(1)) is not None
    return AutoPlan(
        dataset_id=dataset.id, actor=actor, spec=task_spec(session, task.id),
        estimators=[] if has_runs else baselines(kind), time_budget=row.time_budget,
    )  # fmt: skip


def _skip(row: AutoLeaderboard, reason: str) -> AutoPlan | None:
    """Mark the row skipped, saying why; there is nothing to do (None)."""
    row.state, row.reason, row.finished_at = "skipped", reason, utcnow()
    return None


def record_baseline(
    session: Session, store: BlobStore, settings: Settings, plan: AutoPlan, fitted: FoldRun
) -> int:
    """Submit a fitted baseline as a run of the uploader's (queued for scoring)."""
    run_id = submit_run(session, store, settings, plan.actor, plan.spec, fitted, TAGS)
    row = session.get_one(AutoLeaderboard, plan.dataset_id)
    row.baseline_run_ids = [*row.baseline_run_ids, run_id]
    return run_id


def finish(session: Session, plan: AutoPlan) -> int | None:
    """Queue the AutoML search on the task and mark the row done; the search's id."""
    row = session.get_one(AutoLeaderboard, plan.dataset_id)
    search_id = None
    if plan.spec.task_type in space.TASK_TYPES:
        body = AutoMLCreate(task_id=plan.spec.task_id, time_budget=plan.time_budget)
        search_id = automl.submit(session, plan.actor, body).id
    row.state, row.search_id, row.finished_at = "done", search_id, utcnow()
    return search_id


def mark_failed(session: Session, dataset_id: int, error: Exception) -> None:
    """Record why the leaderboard could not be made (what was made stays)."""
    row = session.get(AutoLeaderboard, dataset_id)
    if row is not None:
        detail = error.detail if isinstance(error, DomainError) else str(error)
        row.state, row.finished_at = "failed", utcnow()
        row.reason = detail or type(error).__name__


def status(
    session: Session, settings: Settings, actor: Actor | None, dataset_id: int
) -> AutoLeaderboardOut:
    """What the hive made by itself for a dataset the actor may see (NotFound otherwise)."""
    dataset = catalog.get(session, actor, dataset_id)
    row = session.get(AutoLeaderboard, dataset.id)
    if row is None:
        budget = settings.auto_automl_budget
        if budget <= 0:
            why = (
                "the server does not make tasks, baselines and AutoML searches by itself "
                "(its auto_automl_budget is 0)"
            )
            return AutoLeaderboardOut(dataset_id=dataset.id, state="off", reason=why)
        if dataset.processing == "failed":
            why = "the dataset could not be processed (see its processing error)"
            return AutoLeaderboardOut(dataset_id=dataset.id, state="skipped", reason=why)
        if dataset.processing != "done":
            why = "waiting for the dataset's processing; the task and baselines follow it"
            return AutoLeaderboardOut(
                dataset_id=dataset.id, state="queued", reason=why, time_budget=budget
            )
        why = "the dataset was processed before the server made leaderboards by itself"
        return AutoLeaderboardOut(dataset_id=dataset.id, state="off", reason=why)
    mine = actor is not None and (actor.is_admin or actor.id == dataset.uploader_id)
    search = session.get(AutoMLSearch, row.search_id) if mine and row.search_id else None
    return AutoLeaderboardOut(
        dataset_id=dataset.id, state=row.state, reason=row.reason, task_id=row.task_id,
        baseline_run_ids=list(row.baseline_run_ids), time_budget=row.time_budget,
        search_id=search.id if search else None, search_state=search.state if search else None,
        created_at=row.created_at, finished_at=row.finished_at,
    )  # fmt: skip
