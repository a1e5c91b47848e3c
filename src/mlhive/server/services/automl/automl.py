"""AutoML under hard budgets: a search of scikit-learn pipelines on a task, run as a job.

Phases (the transactions are the handler's, in :mod:`.jobs`):

1. :func:`submit` records the search and queues its job; :func:`prepare` reads what the search
   needs (the task, its column kinds and truth, warm-start configurations) into a :class:`Plan`.
2. :func:`search` asks Optuna (a seeded TPE sampler, a successive-halving pruner) for
   configurations of :mod:`~mlhive.server.domain.automl.space` and runs each as a trial through
   a :class:`~.trials.Runner`: rung by rung on growing subsamples of each fold's training rows
   (:func:`~mlhive.server.domain.automl.budget.rungs`), pruned when it is not among the best
   third at a rung. Trials run one after another in separate processes killed at their
   deadline, so with ``n_trials`` and a seed (and no deadline reached) a search proposes the
   same trials with the same scores every time.
3. Each finished trial is handed to the handler, which records it (:func:`record_trial`): a
   complete trial becomes a run on the task (its flow and setup from the scikit-learn bridge,
   its predictions scored by the server like any upload).
4. :func:`select_ensemble` runs Caruana's ensemble selection on the complete trials'
   out-of-fold predictions; the ensemble becomes a run too (its predictions are the weighted
   mean of its members', which is what the ensemble refitted on each fold predicts).
5. The ensemble is refitted on all labelled rows in a child process (:func:`~.trials.refit`),
   pushed to the forge with a card that lists the trials and weights, and the runs are
   collected in a study (:func:`finish`).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import optuna
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.config import Settings
from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.automl import AutoMLSearch, AutoMLTrial
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Task
from mlhive.server.domain.access import Actor
from mlhive.server.domain.automl import budget as budgets
from mlhive.server.domain.automl import ensemble, space
from mlhive.server.domain.errors import InvalidInput, NotFound
from mlhive.server.domain.experiments.measure_names import checked_measure
from mlhive.server.jobs import queue
from mlhive.server.services import accounts
from mlhive.server.services.automl.trials import (
    Failed,
    Finished,
    RefitInput,
    Runner,
    TrialInput,
    TrialOutput,
    final_estimator,
    run_trial,
    score_table,
)
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import evaluations, studies, tasks
from mlhive.server.services.forge.evaluation import FoldRun, TaskSpec, submit_run, task_spec
from mlhive.server.storage import BlobStore
from mlhive.wire.automl import (
    AutoMLCreate,
    AutoMLOut,
    AutoMLTrialOut,
    EnsembleMember,
)
from mlhive.wire.models import DataSeen
from mlhive.wire.studies import CollectionCreate

AUTOML_JOB = "automl_search"
ENSEMBLE_SIZE = 20
"""Additions (with replacement) of Caruana's selection."""
ENSEMBLE_CANDIDATES = 20
"""The best complete trials the ensemble is chosen from."""
WARM_CONFIGS = 5
"""Warm-start configurations tried first (they count among the sampler's random start)."""

optuna.logging.set_verbosity(optuna.logging.WARNING)


def submit(session: Session, actor: Actor, body: AutoMLCreate) -> AutoMLSearch:
    """Record a search and queue its job.

    Raises:
        NotFound: no such task, or the actor may not see it.
        InvalidInput: a task type AutoML does not cover, an unknown metric, or neither a time
            budget nor a number of trials (the search would never end).
    """
    task = tasks.get(session, actor, body.task_id)
    if task.task_type not in space.TASK_TYPES:
        raise InvalidInput(
            f"task_id: task {task.id} is a {task.task_type} task; AutoML searches "
            f"{' and '.join(space.TASK_TYPES)} tasks",
            field="task_id",
        )
    metric = checked_measure(task.task_type, body.metric)
    if body.time_budget is None and body.n_trials is None:
        raise InvalidInput(
            "give a time_budget (seconds) or n_trials (or both): without either the search "
            "would never end",
            field="time_budget",
        )
    search = AutoMLSearch(
        owner_id=actor.id,
        task_id=task.id,
        metric=metric,
        time_budget=body.time_budget,
        memory_limit=body.memory_limit,
        n_trials=body.n_trials,
        seed=body.seed,
        state="queued",
        ensemble=[],
        notes=[],
    )
    session.add(search)
    session.flush()
    job = queue.enqueue(
        session, AUTOML_JOB, {"search_id": search.id}, subject=f"automl:{search.id}", owner=actor.id
    )
    search.job_id = job.id
    return search


def get(session: Session, actor: Actor, search_id: int) -> AutoMLSearch:
    """A search of the actor's (any, for an admin); others' are NotFound, like missing ones."""
    search = session.get(AutoMLSearch, search_id)
    if search is None or not (actor.is_admin or search.owner_id == actor.id):
        raise NotFound(f"automl search {search_id} not found")
    return search


def describe(session: Session, search: AutoMLSearch) -> AutoMLOut:
    """The search with its trials, best first by score among complete ones."""
    rows = session.scalars(
        select(AutoMLTrial).where(AutoMLTrial.search_id == search.id).order_by(AutoMLTrial.number)
    ).all()
    better = evaluations.higher_is_better(search.metric)
    complete = [t for t in rows if t.state == "complete" and t.score is not None]
    best = _best(complete, better)
    owner = session.get_one(User, search.owner_id)
    return AutoMLOut(
        id=search.id, task_id=search.task_id, owner=owner.name, state=search.state,
        error=search.error, metric=search.metric, higher_is_better=better,
        time_budget=search.time_budget, memory_limit=search.memory_limit,
        n_trials=search.n_trials, seed=search.seed, job_id=search.job_id, seconds=search.seconds,
        trials=[
            AutoMLTrialOut(
                number=t.number, state=t.state, reason=t.reason, message=t.message,
                model=str(t.config.get("model", "")), config=t.config, warm_start=t.warm_start,
                fraction=t.fraction, score=t.score, rung_scores=t.rung_scores, run_id=t.run_id,
                setup_id=t.setup_id, seconds=t.seconds, peak_memory=t.peak_memory,
            )
            for t in rows
        ],
        best_trial=best.number if best else None,
        ensemble=[EnsembleMember.model_validate(m) for m in search.ensemble],
        ensemble_run_id=search.ensemble_run_id, final_score=search.final_score,
        study_id=search.study_id, model_repo=search.model_repo, model_commit=search.model_commit,
        notes=search.notes, created_at=search.created_at, started_at=search.started_at,
        finished_at=search.finished_at,
    )  # fmt: skip


def _best(rows: list[AutoMLTrial], better: bool) -> AutoMLTrial | None:
    if not rows:
        return None
    sign = -1.0 if better else 1.0
    return min(rows, key=lambda t: (sign * float(t.score or 0.0), t.number))


# ---------------------------------------------------------------- the job's phases


@dataclass
class Plan:
    """What the search needs, copied out of the transaction that read it."""

    search_id: int
    actor: Actor
    spec: TaskSpec
    columns: space.Columns
    metric: str
    higher_is_better: bool
    budget: budgets.Budget
    memory_limit: int | None
    n_trials: int | None
    seed: int
    train_rows: int
    truth: np.ndarray
    visibility: str
    warm_start: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TrialRecord:
    """A finished trial, as the handler records it."""

    number: int
    config: dict[str, Any]
    state: str
    fraction: float
    seconds: float
    warm_start: bool = False
    reason: str | None = None
    message: str | None = None
    score: float | None = None
    rung_scores: list[float] = field(default_factory=list)
    peak_memory: int | None = None
    output: TrialOutput | None = None
    run_id: int | None = None


def prepare(session: Session, store: BlobStore, search_id: int, start: float) -> Plan | None:
    """Mark the search running and read its :class:`Plan` (None: the search is gone or done)."""
    search = session.get(AutoMLSearch, search_id)
    if search is None or search.state in ("done", "failed"):
        return None
    search.state, search.started_at = "running", utcnow()
    owner = session.get_one(User, search.owner_id)
    actor = accounts.actor_of(session, owner)
    spec = task_spec(session, search.task_id)
    dataset = session.get_one(Dataset, tasks.get(session, actor, search.task_id).dataset_id)
    data = load_table(store, spec.data_sha256)
    columns = space.column_kinds(data.schema, spec.dropped)
    truth = tasks.truth_of(data, spec.target, spec.class_labels)
    splits = load_table(store, spec.splits_sha256)
    first = pc.and_(pc.equal(splits.column("type"), "TRAIN"), pc.equal(splits.column("fold"), 0))
    train_rows = int(
        pc.sum(pc.cast(pc.and_(first, pc.equal(splits.column("repeat"), 0)), pa.int64())).as_py()
        or 0
    )
    if columns.ignored:
        search.notes = [
            *search.notes,
            "columns of types the search does not learn from were left out: "
            + ", ".join(columns.ignored),
        ]
    return Plan(
        search_id=search.id, actor=actor, spec=spec, columns=columns, metric=search.metric,
        higher_is_better=evaluations.higher_is_better(search.metric),
        budget=budgets.Budget(start, search.time_budget), memory_limit=search.memory_limit,
        n_trials=search.n_trials, seed=search.seed, train_rows=train_rows,
        truth=np.asarray(truth), visibility=dataset.visibility,
        warm_start=warm_start(session, actor, search),
    )  # fmt: skip


def warm_start(session: Session, actor: Actor, search: AutoMLSearch) -> list[dict[str, Any]]:
    """Configurations of the task's recommended setups that are AutoML trials: the greedy
    portfolio's first (setups that are good on different similar tasks, so the first trials
    cover different kinds of models), then the best-ranked setups; at most five.

    A recommendation maps to the search space when its setup was made by an AutoML trial (on
    a similar task): that trial's configuration is tried first. Best effort: a dataset
    without qualities yet has no recommendations, and the search simply starts cold.
    """
    from mlhive.server.services.automl import recommendations
    from mlhive.server.services.automl.index import MetaIndex

    try:
        advice = recommendations.recommend(
            session, MetaIndex(), actor, search.task_id, search.metric
        )
    except (InvalidInput, NotFound) as exc:  # no qualities yet: nothing to learn from
        del exc
        return []
    except Exception:
        return []
    configs: list[dict[str, Any]] = []
    ordered = [m.setup_id for m in advice.portfolio] + [s.setup_id for s in advice.setups]
    for setup_id in ordered:
        config = session.scalar(
            select(AutoMLTrial.config).where(AutoMLTrial.setup_id == setup_id).limit(1)
        )
        if config is not None and config.get("model") in space.MODELS and config not in configs:
            configs.append(config)
        if len(configs) == WARM_CONFIGS:
            break
    return configs


def search(
    plan: Plan,
    runner: Runner,
    on_trial: Callable[[TrialRecord], None],
    store: BlobStore,
    clock: Callable[[], float] = time.monotonic,
    trial_cap: float | None = None,
) -> list[TrialRecord]:
    """Run the search until ``n_trials`` or the budget is spent; ``on_trial`` records each.

    Returns:
        Every trial, in order; complete ones carry their predictions.
    """
    sampler = optuna.samplers.TPESampler(seed=plan.seed)
    pruner = optuna.pruners.SuccessiveHalvingPruner(
        min_resource=1, reduction_factor=budgets.ETA, min_early_stopping_rate=0
    )
    direction: Literal["maximize", "minimize"] = "maximize" if plan.higher_is_better else "minimize"
    study = optuna.create_study(direction=direction, sampler=sampler, pruner=pruner)
    for config in plan.warm_start:
        study.enqueue_trial(_optuna_params(config), skip_if_exists=True)
    fractions = budgets.rungs(plan.train_rows)
    done: list[TrialRecord] = []
    while plan.n_trials is None or len(done) < plan.n_trials:
        # The refit of the best trials so far is budgeted from their own measured times.
        complete = [r for r in done if r.state == "complete" and r.output is not None]
        after = budgets.after_search(
            [r.seconds for r in complete], _share([r.output.share for r in complete if r.output])
        )
        if plan.budget.trial_timeout(clock(), trial_cap, after) is None and (
            plan.budget.seconds is not None
        ):
            break
        trial = study.ask()
        warm = len(done) < len(plan.warm_start)
        config = space.suggest(trial)
        record = _run_rungs(plan, runner, store, trial, config, fractions, clock, trial_cap, after)
        record.warm_start = warm
        if record.state == "complete":
            study.tell(trial, record.score if record.score is not None else _worst(plan))
        elif record.state == "pruned":
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        on_trial(record)
        done.append(record)
    return done


def _share(shares: list[float]) -> float:
    """The share of a core the latest complete trials had (the machine's load now)."""
    recent = shares[-3:]
    return float(np.median(recent)) if recent else 1.0


def _worst(plan: Plan) -> float:
    return -np.inf if plan.higher_is_better else np.inf


def _optuna_params(config: dict[str, Any]) -> dict[str, Any]:
    return dict(config)


def _run_rungs(
    plan: Plan,
    runner: Runner,
    store: BlobStore,
    trial: optuna.Trial,
    config: dict[str, Any],
    fractions: list[float],
    clock: Callable[[], float],
    trial_cap: float | None,
    after: float = 0.0,
) -> TrialRecord:
    spent = 0.0
    peak: int | None = None
    scores: list[float] = []
    for step, fraction in enumerate(fractions):
        timeout = plan.budget.trial_timeout(clock(), trial_cap, after)
        if timeout is None and plan.budget.seconds is not None:
            return TrialRecord(
                trial.number, config, "failed", fraction, spent, reason="timeout",
                message="the time budget ran out before this trial could go on",
                rung_scores=scores, peak_memory=peak,
            )  # fmt: skip
        job = TrialInput(store, plan.spec, plan.columns, config, fraction, plan.seed, plan.metric)
        outcome = runner.run(run_trial, (job,), timeout=timeout, memory_limit=plan.memory_limit)
        spent += outcome.seconds
        peak = max(filter(None, [peak, outcome.peak_memory]), default=None)
        if isinstance(outcome, Failed):
            return TrialRecord(
                trial.number, config, "failed", fraction, spent, reason=outcome.reason,
                message=outcome.message, rung_scores=scores, peak_memory=peak,
            )  # fmt: skip
        output: TrialOutput = outcome.value
        value = output.score if output.score is not None else _worst(plan)
        scores.append(float(value))
        if step < len(fractions) - 1:
            trial.report(float(value), step)
            if trial.should_prune():
                return TrialRecord(
                    trial.number, config, "pruned", fraction, spent, score=output.score,
                    rung_scores=scores, peak_memory=peak,
                )  # fmt: skip
            continue
        return TrialRecord(
            trial.number, config, "complete", fraction, spent, score=output.score,
            rung_scores=scores, peak_memory=peak, output=output,
        )  # fmt: skip
    raise AssertionError("rungs always end with the whole training set")  # pragma: no cover


def record_trial(
    session: Session, store: BlobStore, settings: Settings, plan: Plan, record: TrialRecord
) -> int | None:
    """Store a trial; a complete one becomes a run on the task (returned, to be scored)."""
    setup_id = None
    if record.output is not None:
        estimator = space.build(record.config, plan.columns, plan.spec.task_type, plan.seed)
        fitted = FoldRun(estimator, record.output.predictions, record.output.timings)
        tags = ["automl", f"automl-{plan.search_id}"]
        record.run_id = submit_run(session, store, settings, plan.actor, plan.spec, fitted, tags)
        setup_id = tasks_setup_of(session, record.run_id)
    session.add(
        AutoMLTrial(
            search_id=plan.search_id, number=record.number, config=record.config,
            state=record.state, reason=record.reason, message=record.message,
            warm_start=record.warm_start, fraction=record.fraction, score=record.score,
            rung_scores=record.rung_scores, run_id=record.run_id, setup_id=setup_id,
            seconds=round(record.seconds, 3), peak_memory=record.peak_memory,
        )
    )  # fmt: skip
    return record.run_id


def tasks_setup_of(session: Session, run_id: int) -> int:
    from mlhive.server.db.tables.experiments import Run

    return session.get_one(Run, run_id).setup_id


# ---------------------------------------------------------------- ensemble and model


@dataclass(frozen=True)
class Ensemble:
    """The selected members (trial numbers, configurations, weights) and their predictions."""

    members: list[TrialRecord]
    weights: list[float]
    predictions: bytes
    score: float | None


def _matrix(table: pa.Table, spec: TaskSpec) -> np.ndarray:
    if spec.class_labels is not None:
        return np.column_stack(
            [table.column(f"confidence.{c}").to_numpy() for c in spec.class_labels]
        )
    return np.asarray(table.column("prediction").to_numpy(), dtype=np.float64)


def select_ensemble(plan: Plan, records: list[TrialRecord], store: BlobStore) -> Ensemble | None:
    """Caruana's selection over the best complete trials (None: no complete trial)."""
    complete = [r for r in records if r.output is not None and r.score is not None]
    if not complete:
        return None
    sign = -1.0 if plan.higher_is_better else 1.0
    candidates = sorted(complete, key=lambda r: (sign * float(r.score or 0.0), r.number))
    candidates = candidates[:ENSEMBLE_CANDIDATES]
    tables = [pq.read_table(io.BytesIO(r.output.predictions)) for r in candidates if r.output]
    rows = tables[0].column("row_id").to_numpy()
    truth = plan.truth[rows]
    classify = plan.spec.class_labels is not None
    known = truth >= 0 if classify else ~np.isnan(truth)
    matrices = [_matrix(t, plan.spec)[known] for t in tables]
    loss = ensemble.loss_for(plan.metric, truth[known], classify)
    chosen = ensemble.select(matrices, loss, ENSEMBLE_SIZE)
    keep = [i for i, w in enumerate(chosen.weights) if w > 0]
    members = [candidates[i] for i in keep]
    weights = [chosen.weights[i] for i in keep]
    table = _averaged(tables, keep, weights, plan.spec)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    score = score_table(store, plan.spec, table, plan.metric)
    return Ensemble(members, weights, sink.getvalue(), score)


def _averaged(
    tables: list[pa.Table], keep: list[int], weights: list[float], spec: TaskSpec
) -> pa.Table:
    """The weighted mean of the members' predictions (probabilities or values)."""
    base = tables[keep[0]]
    total = sum(weights)
    mean: np.ndarray = (
        sum(  # type: ignore[assignment]
            w * _matrix(tables[i], spec) for i, w in zip(keep, weights, strict=True)
        )
        / total
    )
    if spec.class_labels is None:
        return base.set_column(
            base.schema.get_field_index("prediction"), "prediction", pa.array(mean, pa.float64())
        )
    labels = np.asarray(spec.class_labels, dtype=object)
    result = base.set_column(
        base.schema.get_field_index("prediction"),
        "prediction",
        pa.array(labels[np.argmax(mean, axis=1)].tolist(), pa.string()),
    )
    for j, label in enumerate(spec.class_labels):
        name = f"confidence.{label}"
        result = result.set_column(
            result.schema.get_field_index(name), name, pa.array(mean[:, j], pa.float64())
        )
    return result


def refit_input(plan: Plan, chosen: Ensemble, store: BlobStore) -> RefitInput:
    return RefitInput(
        store, plan.spec, plan.columns, [(r.number, r.config) for r in chosen.members],
        chosen.weights, plan.seed,
    )  # fmt: skip


def record_ensemble(
    session: Session, store: BlobStore, settings: Settings, plan: Plan, chosen: Ensemble
) -> int:
    """Submit the ensemble as a run (its flow: the soft vote of its members)."""
    estimator = final_estimator(refit_input(plan, chosen, store))
    members = chosen.members
    timings = [
        t.model_copy(
            update={
                "fit_seconds": sum(m.output.timings[i].fit_seconds for m in members if m.output)
            }
        )
        for i, t in enumerate(members[0].output.timings if members[0].output else [])
    ]
    fitted = FoldRun(estimator, chosen.predictions, timings)
    tags = ["automl", f"automl-{plan.search_id}", "automl-ensemble"]
    run_id = submit_run(session, store, settings, plan.actor, plan.spec, fitted, tags)
    search = session.get_one(AutoMLSearch, plan.search_id)
    search.ensemble_run_id = run_id
    search.final_score = chosen.score
    search.ensemble = [
        {"trial": m.number, "run_id": m.run_id, "weight": round(w, 6)}
        for m, w in zip(members, chosen.weights, strict=True)
    ]
    return run_id


def data_applied(session: Session, plan: Plan) -> list[DataSeen]:
    """What the final model was fitted on: every row of the task's dataset with a target."""
    import pandas as pd

    task = session.get_one(Task, plan.spec.task_id)
    dataset = session.get_one(Dataset, task.dataset_id)
    return [
        DataSeen(
            dataset_id=dataset.id,
            name=dataset.name,
            version=dataset.version,
            rows=int((~pd.isna(plan.truth)).sum()),
            applied_at=utcnow(),
            source="server",
        )
    ]


def card_text(plan: Plan, records: list[TrialRecord], chosen: Ensemble, run_id: int | None) -> str:
    """The model card's Markdown: how the model was found, its trials and ensemble weights."""
    weight = {m.number: w for m, w in zip(chosen.members, chosen.weights, strict=True)}
    lines = [
        f"An ensemble found by AutoML search {plan.search_id} on task {plan.spec.task_id}, "
        f"optimising {plan.metric} (seed {plan.seed}).",
        "",
        f"Ensemble run: {run_id}; its score on the task's folds: {chosen.score}. The weights "
        "were chosen on the same out-of-fold predictions (Caruana's ensemble selection), so "
        "that score is optimistic.",
        "",
        "| trial | state | model | score | run | weight |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(
            f"| {r.number} | {r.state}{' (' + r.reason + ')' if r.reason else ''} | "
            f"{r.config.get('model')} | {r.score if r.score is not None else ''} | "
            f"{r.run_id or ''} | {weight.get(r.number, 0.0):.2f} |"
        )
    return "\n".join(lines)


def create_study(session: Session, plan: Plan, run_ids: list[int]) -> int:
    """Collect the search's runs in a study; returns its id."""
    body = CollectionCreate(
        name=f"AutoML search {plan.search_id} on task {plan.spec.task_id}",
        description=f"The runs of AutoML search {plan.search_id} "
        f"({plan.metric}, seed {plan.seed}).",
        run_ids=run_ids,
        visibility="private" if plan.visibility == "private" else "public",
    )
    return studies.create(session, plan.actor, "study", body).id


def finish(
    session: Session,
    search_id: int,
    seconds: float,
    *,
    study_id: int | None,
    repo: str | None,
    commit: str | None,
    notes: list[str],
) -> None:
    """Mark the search done with what it made."""
    search = session.get_one(AutoMLSearch, search_id)
    search.state, search.finished_at, search.seconds = "done", utcnow(), round(seconds, 3)
    search.study_id, search.model_repo, search.model_commit = study_id, repo, commit
    search.notes = [*search.notes, *notes]


def mark_failed(session: Session, search_id: int, error: Exception, seconds: float) -> None:
    """Record why the search failed (its recorded trials stay)."""
    search = session.get(AutoMLSearch, search_id)
    if search is not None:
        search.state, search.finished_at = "failed", utcnow()
        search.error, search.seconds = str(error) or type(error).__name__, round(seconds, 3)


def refit_failure(outcome: Finished | Failed) -> str | None:
    """Why the final refit gave no model, or None."""
    if isinstance(outcome, Failed):
        why = f"{outcome.reason}: {outcome.message}"
        return f"the final model was not pushed: its refit failed ({why})"
    return None
