"""Reproductions: the server re-runs a run's setup on the same task and splits and compares.

A *server* reproduction rebuilds the run's flow with its setup's parameter values through the
scikit-learn bridge (:func:`.suite_runs.estimator_of`: never unpickled, classes only from the
allowlist), refits it on every fold and repeat of the task's stored splits in a child process
under the job time limit (the same :class:`~.trials.Runner` as suite runs and AutoML), submits
the predictions as a normal run on the task (tagged ``reproduction`` and
``reproduction-of-<id>``, uploaded by the requester) and lets the server score it like any
upload. Every measure the original has is then compared with the re-run's
(:func:`mlhive.server.domain.experiments.reproduction.compare`) within the tolerance, and the
outcome is recorded: ``reproduced``, ``differs`` (with each measure's difference, largest
first) or ``failed`` (with the log).

An *uploaded* reproduction links a run of the requester's own on the same task with the same
setup (setups are stored once per flow and parameter values, so the same setup id means the
same flow with the same values), already evaluated; it is compared at once.

Only someone who may see the run may ask for or see its reproductions (a run is visible
exactly when its task is, and the re-run is on that task). :func:`finished` is the one place
where a reproduction's outcome is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.config import Settings
from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.experiments import Reproduction, Run
from mlhive.server.domain.access import Actor
from mlhive.server.domain.automl import space
from mlhive.server.domain.errors import InvalidInput, NotFound
from mlhive.server.domain.experiments import reproduction as rules
from mlhive.server.jobs import queue
from mlhive.server.services import accounts, activity
from mlhive.server.services.automl.suite_runs import estimator_of
from mlhive.server.services.experiments import runs
from mlhive.server.services.forge.evaluation import (
    FoldRun,
    TaskSpec,
    measures_of,
    submit_run,
    task_spec,
)
from mlhive.server.storage import BlobStore
from mlhive.wire.reproductions import (
    MeasureComparison,
    ReproductionCreate,
    ReproductionOut,
)

REPRODUCE_JOB = "reproduce_run"
ACTIVE = ("queued", "running")
TAGS = ("reproduction",)


def _evaluated(session: Session, run: Run, what: str) -> dict[str, float | None]:
    if run.state != "evaluated":
        raise InvalidInput(
            f"run_id: {what} run {run.id} is {run.state}, not evaluated: a reproduction compares "
            "the server's measures, so wait for its evaluation to end "
            f"(GET /api/runs/{run.id}?wait=30)",
            field="run_id",
        )
    measures = measures_of(session, run.id)
    if not any(v is not None for v in measures.values()):
        raise InvalidInput(
            f"run_id: {what} run {run.id} has no measure with a value to compare", field="run_id"
        )
    return measures


def request(session: Session, actor: Actor, run_id: int, body: ReproductionCreate) -> Reproduction:
    """Queue a server reproduction of a run (or link ``body.run_id`` as one and compare it).

    Asking again while the actor's server reproduction of the run is queued or running
    returns that one.

    Raises:
        NotFound: no such run, or one the actor may not see.
        InvalidInput: the run is not evaluated yet; its flow cannot be rebuilt (not a
            scikit-learn flow of the bridge, a class outside the allowlist) or its task is not
            supervised classification or regression; a linked run that is not the actor's,
            not on the same task or not with the same setup.
    """
    run = runs.get(session, actor, run_id)
    tolerance = rules.DEFAULT_TOLERANCE if body.tolerance is None else body.tolerance
    if body.run_id is not None:
        return _link(session, actor, run, body.run_id, tolerance)
    _evaluated(session, run, "the original")
    waiting = session.scalar(
        select(Reproduction).where(
            Reproduction.run_id == run.id,
            Reproduction.requested_by == actor.id,
            Reproduction.kind == "server",
            Reproduction.state.in_(ACTIVE),
        )
    )
    if waiting is not None:
        return waiting
    spec = task_spec(session, run.task_id)
    if spec.task_type not in space.TASK_TYPES:
        raise InvalidInput(
            f"run {run.id} is on a {spec.task_type} task: the server re-runs "
            f"{' and '.join(space.TASK_TYPES)} runs; upload a re-run of your own and link it "
            '({"run_id": <your run>})',
            field="run_id",
        )
    try:
        estimator_of(session, run.flow_id, run.setup_id)
    except InvalidInput as exc:
        raise InvalidInput(
            f"run {run.id} cannot be re-run by the server: its flow {run.flow_id} "
            f"({run.flow.name}) is not one the scikit-learn bridge can rebuild ({exc.detail}); "
            'upload a re-run of your own and link it ({"run_id": <your run>})',
            field="run_id",
        ) from None
    row = Reproduction(
        run_id=run.id, requested_by=actor.id, kind="server", state="queued", tolerance=tolerance,
        comparison=[], log="",
    )  # fmt: skip
    session.add(row)
    session.flush()
    job = queue.enqueue(
        session, REPRODUCE_JOB, {"reproduction_id": row.id}, subject=f"reproduction:{row.id}",
        owner=actor.id,
    )  # fmt: skip
    row.job_id = job.id
    session.flush()
    return row


def _link(
    session: Session, actor: Actor, run: Run, rerun_id: int, tolerance: float
) -> Reproduction:
    if rerun_id == run.id:
        raise InvalidInput(
            "run_id: a run cannot reproduce itself; give the id of your re-run", field="run_id"
        )
    try:
        rerun = runs.get(session, actor, rerun_id)
    except NotFound:
        raise InvalidInput(f"run_id: run {rerun_id} not found", field="run_id") from None
    if rerun.uploader_id != actor.id:
        raise InvalidInput(
            f"run_id: run {rerun_id} was uploaded by {rerun.uploader.name}, not you: link a "
            "re-run of your own",
            field="run_id",
        )
    if rerun.task_id != run.task_id:
        raise InvalidInput(
            f"run_id: run {rerun_id} is on task {rerun.task_id}, run {run.id} on task "
            f"{run.task_id}: a reproduction runs on the same task (and so the same splits)",
            field="run_id",
        )
    if rerun.setup_id != run.setup_id:
        raise InvalidInput(
            f"run_id: run {rerun_id} has setup {rerun.setup_id} (flow {rerun.flow_id}), run "
            f"{run.id} setup {run.setup_id} (flow {run.flow_id}): a reproduction uses the same "
            "flow with the same parameter values",
            field="run_id",
        )
    if session.scalar(
        select(Reproduction.id).where(
            Reproduction.run_id == run.id, Reproduction.reproduction_run_id == rerun.id
        )
    ):
        raise InvalidInput(
            f"run_id: run {rerun_id} is already linked as a reproduction of run {run.id}",
            field="run_id",
        )
    original = _evaluated(session, run, "the original")
    again = _evaluated(session, rerun, "your")
    row = Reproduction(
        run_id=run.id, requested_by=actor.id, kind="uploaded", state="running",
        reproduction_run_id=rerun.id, tolerance=tolerance, comparison=[], started_at=utcnow(),
        log=f"run {rerun.id} by {actor.name} linked as a re-run of run {run.id} "
        f"(task {run.task_id}, setup {run.setup_id})\n",
    )  # fmt: skip
    session.add(row)
    session.flush()
    _compare(session, row, original, again)
    return row


def get(session: Session, actor: Actor | None, reproduction_id: int) -> Reproduction:
    """A reproduction of a run the actor may see."""
    row = session.get(Reproduction, reproduction_id)
    if row is None:
        raise NotFound(f"reproduction {reproduction_id} not found")
    try:
        runs.get(session, actor, row.run_id)
    except NotFound:
        raise NotFound(f"reproduction {reproduction_id} not found") from None
    return row


def list_for(session: Session, actor: Actor | None, run_id: int) -> list[Reproduction]:
    """The reproductions of a run the actor may see, newest first."""
    run = runs.get(session, actor, run_id)
    stmt = select(Reproduction).where(Reproduction.run_id == run.id)
    return list(session.scalars(stmt.order_by(Reproduction.id.desc())))


def describe(session: Session, row: Reproduction) -> ReproductionOut:
    requester = session.get_one(User, row.requested_by)
    comparison = [MeasureComparison.model_validate(c) for c in row.comparison]
    return ReproductionOut(
        id=row.id, run_id=row.run_id, requested_by=requester.name, kind=row.kind,
        state=row.state, reproduction_run_id=row.reproduction_run_id,
        tolerance=row.tolerance, max_abs_diff=row.max_abs_diff,
        differing=sum(not c.within for c in comparison), comparison=comparison, log=row.log,
        job_id=row.job_id, created_at=row.created_at, started_at=row.started_at,
        finished_at=row.finished_at,
    )  # fmt: skip


# ---------------------------------------------------------------- the job's phases


@dataclass
class Plan:
    """What the job needs, copied out of the transaction that read it."""

    reproduction_id: int
    run_id: int
    setup_id: int
    actor: Actor
    estimator: Any
    spec: TaskSpec


def prepare(session: Session, reproduction_id: int) -> Plan | None:
    """Mark the reproduction running and rebuild the estimator (None: gone or finished)."""
    row = session.get(Reproduction, reproduction_id)
    if row is None or row.state not in ACTIVE:
        return None
    run = session.get(Run, row.run_id)
    if run is None:  # pragma: no cover - deleting the run deletes its reproductions
        return None
    row.state, row.started_at = "running", row.started_at or utcnow()
    actor = accounts.actor_of(session, session.get_one(User, row.requested_by))
    estimator = estimator_of(session, run.flow_id, run.setup_id)
    _append(
        row,
        f"rebuilt flow {run.flow_id} ({run.flow.name}) with setup {run.setup_id}: {estimator!r}",
    )
    spec = task_spec(session, run.task_id)
    return Plan(row.id, run.id, run.setup_id, actor, estimator, spec)


def _append(row: Reproduction, line: str) -> None:
    row.log = rules.bounded_log(f"{row.log}{line}\n")


def note(session: Session, reproduction_id: int, line: str) -> None:
    """Add a line to the reproduction's log."""
    row = session.get(Reproduction, reproduction_id)
    if row is not None:
        _append(row, line)


def record_rerun(
    session: Session, store: BlobStore, settings: Settings, plan: Plan, fitted: FoldRun
) -> int:
    """Submit the refitted predictions as a run on the task (queued for scoring)."""
    tags = [*TAGS, f"reproduction-of-{plan.run_id}"]
    run_id = submit_run(session, store, settings, plan.actor, plan.spec, fitted, tags)
    row = session.get_one(Reproduction, plan.reproduction_id)
    row.reproduction_run_id = run_id
    setup_id = session.get_one(Run, run_id).setup_id
    same = (
        "the same setup" if setup_id == plan.setup_id else f"setup {setup_id}, not {plan.setup_id}"
    )
    _append(row, f"submitted run {run_id} ({same}) with {len(fitted.timings)} folds")
    return run_id


def conclude(session: Session, plan: Plan) -> None:
    """Compare the scored re-run with the original and record the outcome."""
    row = session.get_one(Reproduction, plan.reproduction_id)
    rerun = session.get(Run, row.reproduction_run_id or 0)
    if rerun is None or rerun.state != "evaluated":
        why = rerun.evaluation_error if rerun is not None else "the re-run was deleted"
        finished(session, row, "failed", f"the server could not score the re-run: {why}")
        return
    _compare(session, row, measures_of(session, plan.run_id), measures_of(session, rerun.id))


def _compare(
    session: Session,
    row: Reproduction,
    original: dict[str, float | None],
    again: dict[str, float | None],
) -> None:
    outcome, diffs = rules.compare(original, again, row.tolerance)
    row.comparison = [d.as_json() for d in diffs]
    row.max_abs_diff = rules.largest_gap(diffs)
    off = [d for d in diffs if not d.within]
    if off:
        worst = off[0]
        by = "no value" if worst.abs_diff is None else f"{worst.abs_diff:.6g}"
        line = (
            f"{len(off)} of {len(diffs)} measures differ by more than {row.tolerance:g}; "
            f"the most: {worst.measure} by {by}"
        )
    else:
        line = f"all {len(diffs)} measures within {row.tolerance:g}"
    finished(session, row, outcome, line)


def finished(session: Session, row: Reproduction, state: str, line: str) -> None:
    """Write a reproduction's outcome: the one place a reproduction finishes.

    Everything that reacts to a finished reproduction (an event for the run's uploader, a
    count on the requester's profile) hooks in here; it runs in the caller's transaction.
    """
    row.state, row.finished_at = state, utcnow()
    _append(row, line)
    session.flush()
    activity.record(
        session,
        row.requested_by,
        "run.reproduced",
        "run",
        row.run_id,
        extra={"reproduction_id": row.id, "outcome": state, "summary": line[:300]},
        watch_own=False,
    )


def mark_failed(session: Session, reproduction_id: int, why: str) -> None:
    """Record that the reproduction failed, and why (unless it is gone or finished)."""
    row = session.get(Reproduction, reproduction_id)
    if row is None or row.state not in ACTIVE:
        return
    finished(session, row, "failed", why)
