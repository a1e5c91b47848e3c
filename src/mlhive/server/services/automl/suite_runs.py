"""Benchmark-suite runs: one flow (with a setup's values), or AutoML, on every task of a suite.

One job does it all (:func:`~.jobs.run_suite`, which opens the transactions): it fans out one
unit per task on the same :class:`~.trials.Runner` as AutoML's trials (local child processes
one at a time, or a Dask cluster's threads at once), records each unit's outcome as it
finishes (a run on the task, scored by the server like any upload; or why it failed) and at
the end collects the runs in a study. ``GET`` shows the progress: each task's state, and how
many of them are done or failed.

- ``flow``: the flow is rebuilt into an unfitted scikit-learn estimator by the bridge (never
  unpickled; classes only from the allowlist), with the setup's parameter values, and refitted
  on each task's folds (:func:`~mlhive.server.services.forge.evaluation.fit_on_folds`) in a
  child process under the job time limit and the memory limit.
- ``automl``: each task gets an AutoML search of its own (same budget, trials and seed), run
  within this job; the task's run is the search's ensemble.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.config import Settings
from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.automl import AutoMLSearch, SuiteRun, SuiteRunTask
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Collection, Run, Setup, Task
from mlhive.server.domain.access import Actor
from mlhive.server.domain.automl import space
from mlhive.server.domain.errors import InvalidInput, NotFound
from mlhive.server.domain.experiments.measure_names import checked_measure
from mlhive.server.jobs import queue
from mlhive.server.services.experiments import flows, runs, studies
from mlhive.server.services.forge.evaluation import FoldRun, TaskSpec, submit_run, task_spec
from mlhive.server.storage import BlobStore
from mlhive.wire.studies import CollectionCreate
from mlhive.wire.suite_runs import SuiteAutoML, SuiteRunCreate, SuiteRunOut, SuiteRunTaskOut

SUITE_RUN_JOB = "suite_run"


def _suite_tasks(session: Session, actor: Actor, suite: Collection) -> list[Task]:
    ids = studies.members(session, suite, actor)
    if not ids:
        raise InvalidInput(
            f"suite {suite.id} has no tasks you may see: attach tasks to it first "
            "(POST /api/suites/{id}/attach)",
            field="suite",
        )
    rows = session.scalars(select(Task).where(Task.id.in_(ids)).order_by(Task.id)).all()
    unsupported = [t.id for t in rows if t.task_type not in space.TASK_TYPES]
    if unsupported:
        raise InvalidInput(
            f"suite {suite.id}: tasks {', '.join(map(str, unsupported))} are not "
            f"{' or '.join(space.TASK_TYPES)} tasks, which are the ones a suite run fits models "
            "on; run it on a suite of those",
            field="suite",
        )
    return list(rows)


def estimator_of(session: Session, flow_id: int, setup_id: int | None) -> Any:
    """The unfitted estimator a flow (with a setup's values) describes, rebuilt safely.

    Raises:
        NotFound: no such flow or setup.
        InvalidInput: the setup is another flow's, or the flow is not one the server can run
            (not scikit-learn, a class outside the allowlist, values it cannot decode).
    """
    from mlhive.sklearn import FlowConversionError, flow_to_estimator

    flow = flows.get(session, flow_id)
    settings = None
    if setup_id is not None:
        setup = session.get(Setup, setup_id)
        if setup is None:
            raise NotFound(f"setup {setup_id} not found")
        if setup.flow_id != flow_id:
            raise InvalidInput(
                f"setup_id: setup {setup_id} is a setup of flow {setup.flow_id}, not of flow "
                f"{flow_id}; give that flow's id or one of this flow's setups",
                field="setup_id",
            )
        settings = flows.setup_parameters(session, setup_id)
    try:
        return flow_to_estimator(flows.describe(session, flow), settings)
    except FlowConversionError as exc:
        raise InvalidInput(
            f"flow_id: flow {flow_id} ({flow.name}) cannot be run by the server: {exc}; "
            "a suite run refits scikit-learn flows made by the mlhive bridge",
            field="flow_id",
        ) from None


def submit(session: Session, actor: Actor, suite_ref: str | int, body: SuiteRunCreate) -> SuiteRun:
    """Record a suite run (one row per task the actor may see) and queue its job.

    Raises:
        NotFound: no such suite (or a private one of another user), flow or setup.
        InvalidInput: a suite with no tasks the actor may see, or with tasks of a type that is
            not supervised classification or regression; a flow the server cannot run; an
            AutoML request with neither a time budget nor a number of trials; an unknown metric.
    """
    suite = studies.get(session, actor, "suite", suite_ref)
    task_rows = _suite_tasks(session, actor, suite)
    automl = body.automl
    if automl is not None:
        if automl.time_budget is None and automl.n_trials is None:
            raise InvalidInput(
                "automl: give a time_budget (seconds per task) or n_trials (or both): "
                "without either a search would never end",
                field="automl.time_budget",
            )
        metrics = {t.id: checked_measure(t.task_type, automl.metric) for t in task_rows}
    elif body.flow_id is not None:  # the wire model allows one mode or the other
        estimator_of(session, body.flow_id, body.setup_id)  # refuse what cannot run, now
    row = SuiteRun(
        suite_id=suite.id, owner_id=actor.id, mode="automl" if automl else "flow",
        flow_id=body.flow_id, setup_id=body.setup_id,
        automl=automl.model_dump(mode="json") if automl else None,
        memory_limit=body.memory_limit, state="queued",
    )  # fmt: skip
    session.add(row)
    session.flush()
    for task in task_rows:
        search_id = None
        if automl is not None:
            search = AutoMLSearch(
                owner_id=actor.id, task_id=task.id, metric=metrics[task.id],
                time_budget=automl.time_budget, memory_limit=body.memory_limit,
                n_trials=automl.n_trials, seed=automl.seed, state="queued", ensemble=[], notes=[],
            )  # fmt: skip
            session.add(search)
            session.flush()
            search_id = search.id
        session.add(
            SuiteRunTask(
                suite_run_id=row.id, task_id=task.id, state="queued", automl_search_id=search_id
            )
        )
    job = queue.enqueue(
        session, SUITE_RUN_JOB, {"suite_run_id": row.id}, subject=f"suite-run:{row.id}",
        owner=actor.id,
    )  # fmt: skip
    row.job_id = job.id
    session.flush()
    return row


def get(session: Session, actor: Actor, suite_ref: str | int, run_id: int) -> SuiteRun:
    """A run of the suite that is the actor's (any, for an admin); others' are NotFound."""
    suite = studies.get(session, actor, "suite", suite_ref)
    row = session.get(SuiteRun, run_id)
    if row is None or row.suite_id != suite.id or not (actor.is_admin or row.owner_id == actor.id):
        raise NotFound(f"run {run_id} of suite {suite_ref} not found")
    return row


def list_for(
    session: Session, actor: Actor, suite_ref: str | int, limit: int = 100
) -> list[SuiteRun]:
    """The actor's runs of a suite (everyone's, for an admin), newest first."""
    suite = studies.get(session, actor, "suite", suite_ref)
    stmt = select(SuiteRun).where(SuiteRun.suite_id == suite.id)
    if not actor.is_admin:
        stmt = stmt.where(SuiteRun.owner_id == actor.id)
    return list(session.scalars(stmt.order_by(SuiteRun.id.desc()).limit(limit)))


def describe(session: Session, row: SuiteRun) -> SuiteRunOut:
    """The run with each task's state and score, and the counts of finished tasks."""
    units = session.scalars(
        select(SuiteRunTask)
        .where(SuiteRunTask.suite_run_id == row.id)
        .order_by(SuiteRunTask.task_id)
    ).all()
    made = session.scalars(
        select(Run).where(Run.id.in_([u.run_id for u in units if u.run_id]))
    ).all()
    scores = runs.main_scores(session, made) if made else {}
    searches = {
        s.id: s
        for s in session.scalars(
            select(AutoMLSearch).where(
                AutoMLSearch.id.in_([u.automl_search_id for u in units if u.automl_search_id])
            )
        )
    }
    tasks_out = []
    for unit in units:
        metric, score = scores.get(unit.run_id or 0, (None, None))
        search = searches.get(unit.automl_search_id or 0)
        if search is not None:
            metric, score = search.metric, search.final_score
        tasks_out.append(
            SuiteRunTaskOut(
                task_id=unit.task_id,
                state=unit.state,
                run_id=unit.run_id,
                automl_search_id=unit.automl_search_id,
                metric=metric,
                score=score,
                error=unit.error,
                seconds=unit.seconds,
                peak_memory=unit.peak_memory,
            )
        )
    owner = session.get_one(User, row.owner_id)
    return SuiteRunOut(
        id=row.id, suite_id=row.suite_id, owner=owner.name, mode=row.mode,
        flow_id=row.flow_id, setup_id=row.setup_id,
        automl=SuiteAutoML.model_validate(row.automl) if row.automl else None,
        memory_limit=row.memory_limit, state=row.state, error=row.error,
        job_id=row.job_id, study_id=row.study_id, total=len(units),
        done=sum(u.state == "done" for u in units), failed=sum(u.state == "failed" for u in units),
        tasks=tasks_out, created_at=row.created_at, started_at=row.started_at,
        finished_at=row.finished_at, seconds=row.seconds,
    )  # fmt: skip


# ---------------------------------------------------------------- the job's phases


@dataclass(frozen=True)
class Unit:
    """One task of the run still to do."""

    task_id: int
    automl_search_id: int | None


@dataclass
class Plan:
    """What the job needs, copied out of the transaction that read it."""

    suite_run_id: int
    suite_id: int
    actor: Actor
    mode: str
    estimator: Any
    memory_limit: int | None
    units: list[Unit]


INTERRUPTED = "interrupted: the worker running it stopped; start a new suite run for this task"


def prepare(session: Session, suite_run_id: int) -> Plan | None:
    """Mark the run running and list what is left to do (None: gone or finished).

    A job that runs again (its worker died) redoes the flow units that did not finish; an
    AutoML search already begun is not resumed (its trials are recorded) and its task is
    marked failed as interrupted.
    """
    row = session.get(SuiteRun, suite_run_id)
    if row is None or row.state in ("done", "failed"):
        return None
    row.state, row.started_at = "running", row.started_at or utcnow()
    owner = session.get_one(User, row.owner_id)
    actor = Actor(id=owner.id, name=owner.name, is_admin=owner.is_admin)
    estimator = None
    if row.flow_id is not None:
        estimator = estimator_of(session, row.flow_id, row.setup_id)
    units = []
    for unit in session.scalars(
        select(SuiteRunTask)
        .where(SuiteRunTask.suite_run_id == row.id)
        .order_by(SuiteRunTask.task_id)
    ):
        if unit.state in ("done", "failed"):
            continue
        if unit.automl_search_id is not None:
            search = session.get(AutoMLSearch, unit.automl_search_id)
            if search is None or search.state != "queued":
                unit.state, unit.error = "failed", INTERRUPTED
                continue
        units.append(Unit(unit.task_id, unit.automl_search_id))
    return Plan(row.id, row.suite_id, actor, row.mode, estimator, row.memory_limit, units)


def _unit_row(session: Session, plan: Plan, unit: Unit) -> SuiteRunTask:
    row = session.scalar(
        select(SuiteRunTask).where(
            SuiteRunTask.suite_run_id == plan.suite_run_id, SuiteRunTask.task_id == unit.task_id
        )
    )
    if row is None:  # pragma: no cover - rows are made with the run and never deleted alone
        raise NotFound(f"task {unit.task_id} is not part of suite run {plan.suite_run_id}")
    return row


def start_unit(session: Session, plan: Plan, unit: Unit) -> TaskSpec:
    """Mark a task running and read its spec.

    Raises:
        InvalidInput: the task is gone.
    """
    _unit_row(session, plan, unit).state = "running"
    return task_spec(session, unit.task_id)


def record_flow_run(
    session: Session,
    store: BlobStore,
    settings: Settings,
    plan: Plan,
    spec: TaskSpec,
    fitted: FoldRun,
) -> int:
    """Submit a task's refitted flow as a run (queued for scoring); returns its id."""
    tags = ["suite-run", f"suite-run-{plan.suite_run_id}"]
    run_id = submit_run(session, store, settings, plan.actor, spec, fitted, tags)
    _unit_row(session, plan, Unit(spec.task_id, None)).run_id = run_id
    return run_id


def finish_unit(
    session: Session,
    plan: Plan,
    unit: Unit,
    *,
    seconds: float,
    error: str | None = None,
    run_id: int | None = None,
    peak_memory: int | None = None,
) -> None:
    """A task's outcome: done with its run, or failed with why."""
    row = _unit_row(session, plan, unit)
    row.state = "failed" if error else "done"
    row.error, row.seconds, row.peak_memory = error, round(seconds, 3), peak_memory
    if run_id is not None:
        row.run_id = run_id


def automl_outcome(session: Session, search_id: int) -> tuple[int | None, str | None]:
    """The ensemble run of a task's search, or why there is none."""
    search = session.get_one(AutoMLSearch, search_id)
    if search.ensemble_run_id is not None:
        return search.ensemble_run_id, None
    if search.state == "failed":
        return None, f"the AutoML search failed: {search.error}"
    return None, "; ".join(search.notes) or "the AutoML search made no ensemble"


def finish(session: Session, plan: Plan, seconds: float) -> None:
    """Collect the runs made in a study and mark the run done (failed: no task succeeded)."""
    row = session.get_one(SuiteRun, plan.suite_run_id)
    units = session.scalars(select(SuiteRunTask).where(SuiteRunTask.suite_run_id == row.id)).all()
    run_ids = sorted(u.run_id for u in units if u.state == "done" and u.run_id is not None)
    if run_ids:
        row.study_id = _create_study(session, plan, run_ids)
    row.state, row.finished_at, row.seconds = (
        "done" if run_ids else "failed",
        utcnow(),
        round(seconds, 3),
    )
    if not run_ids:
        row.error = "no task produced a run: see each task's error"


def _create_study(session: Session, plan: Plan, run_ids: list[int]) -> int:
    suite = session.get_one(Collection, plan.suite_id)
    private = suite.visibility == "private" or bool(
        session.scalar(
            select(Dataset.id)
            .join(Task, Task.dataset_id == Dataset.id)
            .join(Run, Run.task_id == Task.id)
            .where(Run.id.in_(run_ids), Dataset.visibility == "private")
            .limit(1)
        )
    )
    what = "AutoML" if plan.mode == "automl" else "a flow"
    body = CollectionCreate(
        name=f"Suite run {plan.suite_run_id} on {suite.name}",
        description=f"The runs of suite run {plan.suite_run_id}: {what} on every task of "
        f"suite {suite.id}.",
        run_ids=run_ids,
        visibility="private" if private else "public",
    )
    return studies.create(session, plan.actor, "study", body).id


def mark_failed(session: Session, suite_run_id: int, error: Exception, seconds: float) -> None:
    """Record why the job stopped: the tasks it finished keep their runs, the others (and
    their AutoML searches that never started) are marked failed with the reason."""
    row = session.get(SuiteRun, suite_run_id)
    if row is None:
        return
    why = str(error) or type(error).__name__
    row.state, row.finished_at = "failed", utcnow()
    row.error, row.seconds = why, round(seconds, 3)
    units = session.scalars(select(SuiteRunTask).where(SuiteRunTask.suite_run_id == row.id))
    for unit in units:
        if unit.state in ("done", "failed"):
            continue
        unit.state, unit.error = "failed", f"the suite run stopped: {why}"
        search = session.get(AutoMLSearch, unit.automl_search_id or 0)
        if search is not None and search.state == "queued":
            search.state, search.finished_at = "failed", utcnow()
            search.error = f"suite run {row.id} stopped before this search began: {why}"
