"""Model checks (model CI): the tests a repository's commits must pass before promotion.

The repository's owner writes the checks as data (:class:`ModelChecksConfig`); every new
commit of a repository with checks is queued for the ``serving_model_checks`` job (a
scikit-learn commit once its ONNX export has finished, so the parity check sees it), and the
owner can queue a commit again. The job runs in the worker in three phases: :func:`plan` reads
the commit, its model and the linked tasks in a short transaction; the checks run outside any
transaction (:func:`behaviour_checks`, and the scores refit on the tasks' fixed splits by
:mod:`mlhive.server.services.serving.jobs`); :func:`record` stores one result per check.

Promotion (:mod:`mlhive.server.services.serving.checks`) asks :func:`gate` for the results
under the current configuration: a failed check, or one with no result yet, refuses the move.
A repository without a configuration promotes as before.

The checks that predict use the model as a deployment serves it (its ONNX export when that
passed its parity check) on *probe rows*: a fixed sample of the first linked task's data.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.forge import ModelCommit, ModelRepo
from mlhive.server.db.tables.serving import (
    ModelAlias,
    ModelCheckConfig,
    ModelCheckResult,
    ModelCheckRun,
)
from mlhive.server.domain.access import Actor, require_owner
from mlhive.server.domain.errors import Conflict, DomainError, InvalidInput
from mlhive.server.domain.experiments.metrics import MEASURES
from mlhive.server.domain.forge.cards import rule_violations
from mlhive.server.domain.serving import inputs
from mlhive.server.domain.serving.inputs import Schema, Table
from mlhive.server.jobs import queue
from mlhive.server.services import accounts
from mlhive.server.services.forge import content
from mlhive.server.services.forge.commits import CHECKS_JOB, queue_checks
from mlhive.server.services.forge.evaluation import TaskSpec, features_and_target, task_spec
from mlhive.server.services.serving import predict
from mlhive.server.services.serving.runtime import Loaded, Prediction
from mlhive.server.storage import BlobStore
from mlhive.wire.models import MeasureComparison, MergeRule
from mlhive.wire.serving import (
    BehaviourRule,
    CheckRecord,
    CheckResult,
    CommitChecksOut,
    ModelChecksConfig,
    ModelChecksOut,
)

__all__ = ["CHECKS_JOB"]

PROBABILITY_SUM_TOLERANCE = 1e-3
"""How far from 1 a row's class probabilities may sum."""
SAME_TOLERANCE = 1e-6
"""How much a probability or value may move and still count as the same."""
LATENCY_CALLS = 21
"""One-row predictions timed for the latency check (after one warm-up call); the median counts."""
PRODUCTION = "production"


def _subject(commit_id: int) -> str:
    return f"model_checks:{commit_id}"


# -- the configuration ---------------------------------------------------------------------------


def check_names(config: ModelChecksConfig, task_ids: Sequence[int]) -> list[str]:
    """The names of the checks ``config`` asks for, in the order they run and are shown."""
    names = []
    if config.schema_check:
        names.append("schema")
    if config.degenerate:
        names.append("degenerate")
    for rule in config.scores:
        names += [score_name(rule, t) for t in task_ids] or [score_name(rule, None)]
    names += [f"rule {rule.name}" for rule in config.rules]
    if config.latency_ms is not None:
        names.append("latency")
    if config.onnx_parity:
        names.append("onnx_parity")
    return names


def score_name(rule: MergeRule, task_id: int | None) -> str:
    where = f" on task {task_id}" if task_id is not None else ""
    return f"score {rule.measure}{where}"


def config_of(session: Session, repo: ModelRepo) -> ModelCheckConfig | None:
    """The repository's check configuration row, if it has one."""
    return session.get(ModelCheckConfig, repo.id)


def describe_config(repo: ModelRepo, row: ModelCheckConfig | None) -> ModelChecksOut:
    """The wire form of a repository's configuration (an empty one when it has none)."""
    config = ModelChecksConfig.model_validate(row.config if row else {})
    return ModelChecksOut(
        repo=repo.full_name,
        revision=row.revision if row else 0,
        config=config,
        checks=check_names(config, repo.task_ids),
        updated_at=row.updated_at if row else None,
    )


def set_config(
    session: Session, actor: Actor, repo: ModelRepo, config: ModelChecksConfig
) -> ModelChecksOut:
    """Replace the repository's checks (its owner or an administrator); results run under the
    previous configuration become stale, so commits are checked again before promotion.

    Raises:
        PermissionDenied: not the owner.
        InvalidInput: a score on a measure the server does not compute, naming the field.
    """
    require_owner(actor, repo.owner_id, f"model repository {repo.full_name}")
    for index, rule in enumerate(config.scores):
        if rule.measure == "*":
            raise InvalidInput(
                f'scores.{index}.measure: name one measure ("*" is for merge rules); '
                "add one score rule per measure",
                field=f"scores.{index}.measure",
            )
        if rule.measure not in MEASURES:
            known = ", ".join(sorted(MEASURES))
            raise InvalidInput(
                f"scores.{index}.measure: the server computes no measure {rule.measure!r}; "
                f"use one of {known}",
                field=f"scores.{index}.measure",
            )
        if rule.min is None and rule.max is None and rule.max_drop is None:
            raise InvalidInput(
                f"scores.{index}: give min, max or max_drop (a score rule with none checks "
                "nothing)",
                field=f"scores.{index}",
            )
    row = config_of(session, repo)
    document = config.model_dump(mode="json")
    if row is None:
        row = ModelCheckConfig(repo_id=repo.id, revision=1, config=document, updated_by=actor.id)
        session.add(row)
    else:
        row.revision += 1
        row.config, row.updated_by, row.updated_at = document, actor.id, utcnow()
    session.flush()
    return describe_config(repo, row)


# -- queueing and reading results ----------------------------------------------------------------


def request_run(session: Session, actor: Actor, repo: ModelRepo, commit: ModelCommit) -> None:
    """Queue the checks of ``commit`` again (the owner or an administrator).

    Raises:
        PermissionDenied: not the owner.
        Conflict: the repository has no checks configured.
    """
    require_owner(actor, repo.owner_id, f"model repository {repo.full_name}")
    if queue_checks(session, commit) is None:
        raise Conflict(
            f"{repo.full_name} has no model checks to run; configure them first "
            f"(PUT /api/models/{repo.full_name}/checks)"
        )


def _results(session: Session, commit: ModelCommit) -> dict[str, ModelCheckResult]:
    rows = session.scalars(select(ModelCheckResult).where(ModelCheckResult.commit_id == commit.id))
    return {row.name: row for row in rows}


def describe_results(
    session: Session, repo: ModelRepo, commit: ModelCommit, *, from_job: bool = False
) -> CommitChecksOut:
    """A commit's check results under the repository's current configuration.

    ``from_job``: asked by the checks' own job as it records them, so its still running job
    row does not count.
    """
    row = config_of(session, repo)
    job = None if from_job else queue.latest_for(session, _subject(commit.id))
    run = session.get(ModelCheckRun, commit.id)
    stored = _results(session, commit)
    records = [
        CheckRecord(
            name=r.name, passed=r.passed, detail=r.detail, figure=r.figure, checked_at=r.created_at
        )
        for r in stored.values()
    ]
    base = {"repo": repo.full_name, "commit": commit.sha, "job_id": job.id if job else None}
    if row is None:
        return CommitChecksOut(
            **base,
            state="not_configured",
            revision=run.revision if run else None,
            passed=None,
            results=records,
            missing=[],
        )
    names = check_names(ModelChecksConfig.model_validate(row.config), repo.task_ids)
    order = {name: index for index, name in enumerate(names)}
    records.sort(key=lambda r: (order.get(r.name, len(order)), r.name))
    current = run is not None and run.revision == row.revision
    missing = [n for n in names if not (current and n in stored)]
    job_state = job.state if job else None
    if job_state is None and commit.onnx_state == "pending":
        job_state = "queued"  # queued by the ONNX export's job once it has finished
    state = _state(job_state, run, row.revision)
    passed = None
    if state == "done":
        passed = not missing and all(stored[n].passed for n in names)
    return CommitChecksOut(
        **base,
        state=state,
        revision=run.revision if run else None,
        passed=passed,
        results=records,
        missing=missing,
        error=run.error if run is not None and run.state == "failed" else None,
    )


def _state(job_state: str | None, run: ModelCheckRun | None, revision: int) -> str:
    if job_state in ("queued", "running"):
        return job_state
    if run is None:
        return "not_run"
    if run.state == "failed":
        return "failed"
    return "done" if run.revision == revision else "stale"


def _how_to_run(repo: ModelRepo, commit: ModelCommit) -> str:
    return (
        f"run them with POST /api/models/{repo.full_name}/commits/{commit.sha}/checks "
        f"(mlhive model checks {repo.full_name} {commit.sha[:12]} --run)"
    )


def gate(
    session: Session,
    store: BlobStore,
    repo: ModelRepo,
    commit: ModelCommit,
    *,
    from_job: bool = False,
) -> list[CheckResult]:
    """Every configured check's result for ``commit``, for promotion to decide on.

    A check with no current result (never run, queued, running, its run broke, or run under an
    older configuration) is a failure that says so and how to run it; no configuration: no
    results, so promotion is not gated. ``from_job``: see :func:`describe_results`.
    """
    row = config_of(session, repo)
    if row is None:
        return []
    out = describe_results(session, repo, commit, from_job=from_job)
    stored = {r.name: r for r in out.results}
    results = []
    for name in check_names(ModelChecksConfig.model_validate(row.config), repo.task_ids):
        if name not in out.missing:
            found = stored[name]
            results.append(
                CheckResult(
                    name=name, passed=found.passed, detail=found.detail, figure=found.figure
                )
            )
            continue
        if out.state in ("queued", "running"):
            why = f"has no result yet: the checks are {out.state}; promote once they finish"
        elif out.state == "failed":
            why = f"has no result: the check run failed ({out.error}); {_how_to_run(repo, commit)}"
        elif out.state == "stale":
            why = (
                "has no result under the current configuration (it changed since the "
                f"checks ran); {_how_to_run(repo, commit)}"
            )
        else:
            why = f"has not run for this commit; {_how_to_run(repo, commit)}"
        results.append(CheckResult(name=name, passed=False, detail=why))
    return results


# -- the job's phases ----------------------------------------------------------------------------


@dataclass
class Plan:
    """What checking a commit needs, read in one transaction."""

    commit_id: int
    sha: str
    revision: int
    config: ModelChecksConfig
    names: list[str]
    card: dict[str, Any]
    format: str
    onnx_state: str | None
    onnx_report: dict[str, Any]
    model: Loaded | None
    model_problem: str
    probe: TaskSpec | None
    tasks: list[TaskSpec]
    estimator: Any  # the scikit-learn estimator, refitted for the scores (None: other formats)
    production: Any  # @production's estimator, to compare scores with (None: none, or this one)
    production_sha: str | None
    production_scores: dict[str, float]  # its stored score figures, by check name
    owner: Actor
    results: list[CheckResult] = field(default_factory=list)


def _probe_spec(session: Session, repo: ModelRepo, commit: ModelCommit) -> TaskSpec | None:
    task_ids = list(repo.task_ids)
    lineage_task = (commit.card.get("lineage") or {}).get("task_id")
    if lineage_task is not None and lineage_task not in task_ids:
        task_ids.append(lineage_task)
    for task_id in task_ids:
        try:
            return task_spec(session, task_id)
        except InvalidInput:  # a task deleted since it was linked
            continue
    return None


def plan(session: Session, store: BlobStore, commit_id: int) -> Plan | None:
    """Read a commit, its model and the tasks its checks use, and mark its run ``running``.

    Returns:
        None when there is nothing to check: the commit is gone, or its repository has no
        configuration any more.
    """
    commit = session.get(ModelCommit, commit_id)
    if commit is None:
        return None
    repo = session.get_one(ModelRepo, commit.repo_id)
    row = config_of(session, repo)
    if row is None:
        return None
    config = ModelChecksConfig.model_validate(row.config)
    run = session.get(ModelCheckRun, commit.id)
    if run is None:
        session.add(ModelCheckRun(commit_id=commit.id, revision=row.revision, state="running"))
    else:
        run.revision, run.state, run.error, run.updated_at = (
            row.revision,
            "running",
            None,
            utcnow(),
        )
    model, problem = None, ""
    try:
        model = predict.load(store, commit)
    except DomainError as exc:
        problem = exc.detail
    tasks = []
    if config.scores:
        tasks = [task_spec(session, t) for t in repo.task_ids]
    estimator = production = production_sha = None
    production_scores: dict[str, float] = {}
    if config.scores and commit.format == "skops":
        estimator = content.load_estimator(store, commit)
        alias = session.get(ModelAlias, (repo.id, PRODUCTION))
        current = session.get(ModelCommit, alias.commit_id) if alias else None
        if current is not None and current.id != commit.id:
            production_sha = current.sha
            production_scores = {
                r.name: r.figure
                for r in _results(session, current).values()
                if r.name.startswith("score ") and r.figure is not None
            }
            if current.format == "skops":
                production = content.load_estimator(store, current)
    owner = repo.owner
    return Plan(
        commit_id=commit.id,
        sha=commit.sha,
        revision=row.revision,
        config=config,
        names=check_names(config, repo.task_ids),
        card=dict(commit.card),
        format=commit.format,
        onnx_state=commit.onnx_state,
        onnx_report=dict(commit.onnx_report or {}),
        model=model,
        model_problem=problem,
        probe=_probe_spec(session, repo, commit) if _needs_rows(config) else None,
        tasks=tasks,
        estimator=estimator,
        production=production,
        production_sha=production_sha,
        production_scores=production_scores,
        owner=accounts.actor_of(session, owner),
    )


def _needs_rows(config: ModelChecksConfig) -> bool:
    return (
        config.schema_check
        or config.degenerate
        or bool(config.rules)
        or (config.latency_ms is not None)
    )


def record(session: Session, plan_: Plan) -> None:
    """Store every check's result (replacing the commit's earlier ones); the run is done."""
    if session.get(ModelCommit, plan_.commit_id) is None:
        return
    session.execute(delete(ModelCheckResult).where(ModelCheckResult.commit_id == plan_.commit_id))
    now = utcnow()
    for result in plan_.results:
        session.add(
            ModelCheckResult(
                commit_id=plan_.commit_id,
                revision=plan_.revision,
                name=result.name,
                passed=result.passed,
                detail=result.detail[:5000],
                figure=result.figure,
                created_at=now,
            )
        )
    run = session.get(ModelCheckRun, plan_.commit_id)
    if run is not None:
        run.state, run.error, run.updated_at = "done", None, now


def mark_failed(session: Session, commit_id: int, exc: BaseException) -> None:
    """Record that the check run broke (its results are then missing, and promotion says why)."""
    run = session.get(ModelCheckRun, commit_id)
    if run is None:
        return
    detail = exc.detail if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
    run.state, run.error, run.updated_at = "failed", detail[:5000], utcnow()


# -- the checks that predict ---------------------------------------------------------------------


class _Unable(Exception):
    """A check cannot be carried out; its message is the failure's reason."""


def _classes_of(card: dict[str, Any]) -> list[str] | None:
    labels = (card.get("output_schema") or {}).get("class_labels")
    return [str(c) for c in labels] if labels else None


def _is_classifier(plan_: Plan) -> bool:
    if plan_.probe is not None:
        return plan_.probe.class_labels is not None
    return _classes_of(plan_.card) is not None


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _table(frame: pd.DataFrame, schema: Schema) -> Table:
    """Probe rows as the model's checked inputs, through the same checks as a prediction call.

    Raises:
        InvalidInput: the rows do not fit the model's inputs (named, as a caller would hear it).
    """
    if schema.columns:
        missing = [n for n in schema.names if n not in frame.columns]
        if missing:
            raise _Unable(
                f"the model takes column {', '.join(map(repr, missing))}, which the task's "
                "data does not have"
            )
        records = [
            {name: _plain(value) for name, value in row.items()}
            for row in frame[schema.names].to_dict("records")
        ]
        return inputs.from_request(_request(rows=records), schema)
    matrix = [[_plain(v) for v in row] for row in frame.itertuples(index=False)]
    return inputs.from_request(_request(inputs=matrix), schema)


def _request(**shape: Any) -> Any:
    from mlhive.wire.serving import PredictRequest

    return PredictRequest(**shape)


def _model(plan_: Plan) -> Loaded:
    if plan_.model is None:
        raise _Unable(plan_.model_problem)
    return plan_.model


def _predict(plan_: Plan, frame: pd.DataFrame, probabilities: bool) -> Prediction:
    model = _model(plan_)
    try:
        return model.predict(_table(frame, model.schema), probabilities)
    except InvalidInput as exc:
        raise _Unable(exc.detail) from None


def _answer(plan_: Plan, frame: pd.DataFrame) -> Prediction:
    """The model's answer for ``frame``, with class probabilities when it gives them."""
    if not _is_classifier(plan_):
        return _predict(plan_, frame, probabilities=False)
    model = _model(plan_)
    table = _table(frame, model.schema)
    try:
        return model.predict(table, True)
    except InvalidInput:  # a classifier without probabilities (or inputs it cannot take)
        pass
    try:
        return model.predict(table, False)
    except InvalidInput as exc:
        raise _Unable(exc.detail) from None


def _probe_frame(store: BlobStore, spec: TaskSpec, n: int) -> tuple[pd.DataFrame, pd.Series | None]:
    """A fixed sample of the task's rows that have a target value (the same on every run)."""
    features, target = features_and_target(store, spec)
    if target is not None:
        keep = target.notna().to_numpy()
        features, target = features[keep], target[keep]
    if len(features) > n:
        at = np.sort(np.random.default_rng(0).choice(len(features), size=n, replace=False))
        features = features.iloc[at]
        target = target.iloc[at] if target is not None else None
    return features.reset_index(drop=True), (
        target.reset_index(drop=True) if target is not None else None
    )


def behaviour_checks(store: BlobStore, plan_: Plan) -> list[CheckResult]:
    """The checks that predict (schema, degenerate, rules, latency) and the ONNX parity check,
    in the configuration's order; no database access."""
    config = plan_.config
    frame: pd.DataFrame | None = None
    target: pd.Series | None = None
    if plan_.probe is not None and plan_.model is not None:
        frame, target = _probe_frame(store, plan_.probe, config.probe_rows)

    def run(name: str, check: Any) -> CheckResult:
        if plan_.model is None:
            return CheckResult(name=name, passed=False, detail=plan_.model_problem)
        if frame is None or len(frame) == 0:
            return CheckResult(
                name=name,
                passed=False,
                detail="needs rows to predict: link a task with data to the repository "
                "(its rows are the probe rows)",
            )
        try:
            result: CheckResult = check(name, frame, target)
            return result
        except _Unable as exc:
            return CheckResult(name=name, passed=False, detail=str(exc))

    results = []
    if config.schema_check:
        results.append(run("schema", lambda n, f, t: _schema(plan_, n, f)))
    if config.degenerate:
        results.append(run("degenerate", lambda n, f, t: _degenerate(plan_, n, f, t)))
    for rule in config.rules:
        results.append(
            run(f"rule {rule.name}", lambda n, f, t, rule=rule: _behaviour(plan_, rule, n, f))
        )
    if config.latency_ms is not None:
        budget = config.latency_ms
        results.append(run("latency", lambda n, f, t: _latency(plan_, budget, n, f)))
    if config.onnx_parity:
        results.append(_onnx_parity(plan_))
    return results


def _schema(plan_: Plan, name: str, frame: pd.DataFrame) -> CheckResult:
    declared = plan_.card.get("input_schema") or []
    if not declared:
        return CheckResult(
            name=name,
            passed=False,
            detail="the card declares no input_schema: push the commit with card.input_schema",
        )
    card_schema = inputs.schema_of(declared)
    taken = _model(plan_).schema
    if taken.columns and card_schema.columns and card_schema.names != taken.names:
        return CheckResult(
            name=name,
            passed=False,
            detail=f"the card's input_schema names {card_schema.names} but the model takes "
            f"{taken.names}",
        )
    width = len(taken.columns) if taken.columns else taken.width
    card_width = len(card_schema.columns) if card_schema.columns else card_schema.width
    if width is not None and card_width is not None and width != card_width:
        return CheckResult(
            name=name,
            passed=False,
            detail=f"the card's input_schema has {card_width} inputs but the model takes {width}",
        )
    if card_schema.columns and taken.columns:
        # The card's dtypes decide how a call's values are checked: probe rows must pass them.
        _table(frame, card_schema)
    classifier = _is_classifier(plan_)
    answer = _answer(plan_, frame)
    labels = _classes_of(plan_.card)
    if classifier and labels is None:
        return CheckResult(
            name=name,
            passed=False,
            detail="the model is a classifier but the card's output_schema names no "
            "class_labels: push with card.output_schema.class_labels",
        )
    if labels is not None:
        unknown = sorted({str(p) for p in answer.predictions} - set(labels))
        if unknown:
            return CheckResult(
                name=name,
                passed=False,
                detail=f"the model predicts {unknown}, which the card's class_labels "
                f"{labels} do not list",
            )
        if answer.classes is not None and sorted(answer.classes) != sorted(labels):
            return CheckResult(
                name=name,
                passed=False,
                detail=f"the model's classes are {answer.classes} but the card's "
                f"class_labels are {labels}",
            )
        if answer.probabilities is not None and any(
            len(row) != len(labels) for row in answer.probabilities
        ):
            return CheckResult(
                name=name,
                passed=False,
                detail=f"the model gives {len(answer.probabilities[0])} probabilities per row "
                f"for the card's {len(labels)} class_labels",
            )
    value_range = (plan_.card.get("output_schema") or {}).get("value_range")
    if not classifier and value_range:
        low, high = float(value_range[0]), float(value_range[1])
        values = np.asarray(answer.predictions, dtype=np.float64)
        outside = int(np.sum((values < low) | (values > high)))
        if outside:
            return CheckResult(
                name=name,
                passed=False,
                detail=f"{outside} of {len(values)} probe predictions fall outside the card's "
                f"value_range [{low:g}, {high:g}]",
                figure=float(outside),
            )
    return CheckResult(
        name=name,
        passed=True,
        detail=f"the model takes the card's {width or len(frame.columns)} inputs and answers "
        f"{len(frame)} probe rows as the card's output_schema says",
    )


def _degenerate(
    plan_: Plan, name: str, frame: pd.DataFrame, target: pd.Series | None
) -> CheckResult:
    answer = _answer(plan_, frame)
    predictions = [str(p) for p in answer.predictions]
    distinct = len(set(predictions))
    truth = len(set(target.dropna())) if target is not None else 2
    if distinct == 1 and truth > 1 and len(frame) > 1:
        return CheckResult(
            name=name,
            passed=False,
            detail=f"the model predicts {answer.predictions[0]!r} for all {len(frame)} probe "
            f"rows, whose targets take {truth} values: a constant prediction",
            figure=1.0,
        )
    if answer.probabilities is not None:
        proba = np.asarray(answer.probabilities, dtype=np.float64)
        sums = proba.sum(axis=1)
        off = int(np.sum(np.abs(sums - 1.0) > PROBABILITY_SUM_TOLERANCE))
        negative = int(np.sum((proba < -SAME_TOLERANCE) | (proba > 1 + SAME_TOLERANCE)))
        if off or negative:
            worst = float(sums[np.argmax(np.abs(sums - 1.0))])
            return CheckResult(
                name=name,
                passed=False,
                detail=f"the class probabilities of {off} of {len(frame)} probe rows do not sum "
                f"to 1 (one sums to {worst:.4f})"
                + (f"; {negative} probabilities lie outside [0, 1]" if negative else ""),
                figure=float(distinct),
            )
    return CheckResult(
        name=name,
        passed=True,
        detail=f"{distinct} distinct predictions for {len(frame)} probe rows"
        + ("; class probabilities sum to 1" if answer.probabilities is not None else ""),
        figure=float(distinct),
    )


def _changed(frame: pd.DataFrame, rule: BehaviourRule) -> pd.DataFrame:
    if rule.column not in frame.columns:
        raise _Unable(
            f"the probe rows have no column {rule.column!r}; the task's columns are "
            f"{', '.join(map(repr, frame.columns))}"
        )
    changed = frame.copy()
    column = changed[rule.column]
    if rule.change == "set":
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        changed[rule.column] = [rule.value] * len(changed)
        return changed
    if not pd.api.types.is_numeric_dtype(column) or isinstance(column.dtype, pd.CategoricalDtype):
        raise _Unable(f"column {rule.column!r} is not numeric: it cannot be {rule.change}ed")
    number = float(rule.value)  # type: ignore[arg-type]
    values = column.astype(np.float64)
    changed[rule.column] = values + number if rule.change == "add" else values * number
    return changed


def _looked_at(plan_: Plan, rule: BehaviourRule, answer: Prediction) -> np.ndarray:
    """What the rule compares: a class's probability, the predicted class or the value."""
    if rule.class_label is not None:
        if answer.probabilities is None or answer.classes is None:
            raise _Unable("the model gives no class probabilities to compare")
        if rule.class_label not in answer.classes:
            raise _Unable(
                f"class_label {rule.class_label!r} is not one of the model's classes "
                f"{answer.classes}"
            )
        at = answer.classes.index(rule.class_label)
        return np.asarray(answer.probabilities, dtype=np.float64)[:, at]
    return np.asarray(answer.predictions, dtype=object)


def _behaviour(plan_: Plan, rule: BehaviourRule, name: str, frame: pd.DataFrame) -> CheckResult:
    classifier = _is_classifier(plan_)
    if rule.expect != "same" and classifier and rule.class_label is None:
        raise _Unable(
            f"expect {rule.expect!r} on a classifier needs class_label: the class whose "
            "probability should move"
        )
    wants = rule.class_label is not None
    before = _looked_at(plan_, rule, _predict(plan_, frame, wants))
    after = _looked_at(plan_, rule, _predict(plan_, _changed(frame, rule), wants))
    numeric = wants or not classifier
    if rule.expect == "same":
        if numeric:
            a, b = before.astype(np.float64), after.astype(np.float64)
            broken = np.abs(a - b) > SAME_TOLERANCE * np.maximum(1.0, np.abs(a))
        else:
            broken = np.asarray([str(x) != str(y) for x, y in zip(before, after, strict=True)])
    else:
        a, b = before.astype(np.float64), after.astype(np.float64)
        slack = SAME_TOLERANCE * np.maximum(1.0, np.abs(a))
        broken = b < a - slack if rule.expect == "increase" else b > a + slack
    share = float(np.mean(broken)) if len(broken) else 0.0
    looked = (
        f"the probability of {rule.class_label!r}"
        if wants
        else "the predicted class"
        if classifier
        else "the predicted value"
    )
    verb = {"same": "stay the same", "increase": "not go down", "decrease": "not go up"}[
        rule.expect
    ]
    what = _change_words(rule)
    text = f"{what}: {looked} should {verb}"
    if share > rule.tolerance:
        first = int(np.argmax(broken))
        return CheckResult(
            name=name,
            passed=False,
            detail=f"{text}, but it did not on {int(np.sum(broken))} of {len(broken)} probe rows "
            f"(probe row {first}: {_shown(before[first])} → {_shown(after[first])}; "
            f"{rule.tolerance:.0%} allowed)",
            figure=share,
        )
    return CheckResult(
        name=name,
        passed=True,
        detail=f"{text}, and it did on {len(broken) - int(np.sum(broken))} of {len(broken)} "
        "probe rows",
        figure=share,
    )


def _change_words(rule: BehaviourRule) -> str:
    if rule.change == "set":
        return f"setting {rule.column} to {rule.value!r}"
    if rule.change == "add":
        return f"adding {rule.value:g} to {rule.column}"
    return f"scaling {rule.column} by {rule.value:g}"


def _shown(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float | np.floating) else repr(value)


def _latency(plan_: Plan, budget: float, name: str, frame: pd.DataFrame) -> CheckResult:
    model = _model(plan_)
    table = _table(frame.iloc[:1], model.schema)
    try:
        model.predict(table, False)  # warm-up: first calls allocate
        times = []
        for _ in range(LATENCY_CALLS):
            start = time.perf_counter()
            model.predict(table, False)
            times.append((time.perf_counter() - start) * 1000)
    except InvalidInput as exc:
        raise _Unable(exc.detail) from None
    median = float(np.median(times))
    engine = model.engine
    if median > budget:
        return CheckResult(
            name=name,
            passed=False,
            detail=f"a one-row prediction takes {median:.2f} ms (median of {LATENCY_CALLS}, "
            f"{engine}), over the budget of {budget:g} ms",
            figure=median,
        )
    return CheckResult(
        name=name,
        passed=True,
        detail=f"a one-row prediction takes {median:.2f} ms (median of {LATENCY_CALLS}, "
        f"{engine}); budget {budget:g} ms",
        figure=median,
    )


def _onnx_parity(plan_: Plan) -> CheckResult:
    name = "onnx_parity"
    state, report = plan_.onnx_state, plan_.onnx_report
    diff = report.get("max_abs_diff")
    figure = float(diff) if isinstance(diff, int | float) else None
    if plan_.format != "skops":
        return CheckResult(
            name=name, passed=True, detail=f"a {plan_.format} commit has no ONNX export to compare"
        )
    if state == "ok":
        agreement = report.get("label_agreement")
        agreed = f", labels agree on {agreement:.2%}" if isinstance(agreement, float) else ""
        return CheckResult(
            name=name,
            passed=True,
            detail=f"the export agrees with the original on {report.get('rows', 0)} rows "
            f"(largest difference {figure or 0.0:.2g}{agreed})",
            figure=figure,
        )
    if state == "unsupported" or state is None:
        why = report.get("detail") or "no export was made"
        return CheckResult(
            name=name,
            passed=True,
            detail=f"no ONNX export ({why}); deployments run the original",
        )
    if state == "failed":
        return CheckResult(
            name=name,
            passed=False,
            detail=f"the ONNX export disagrees with the original: {report.get('detail') or state}"
            + (f" (largest difference {figure:.3g})" if figure is not None else ""),
            figure=figure,
        )
    if state == "unchecked":
        return CheckResult(
            name=name,
            passed=False,
            detail="the export's parity was not checked (the repository links no task): link "
            "a task and push again",
        )
    return CheckResult(
        name=name,
        passed=False,
        detail=f"the ONNX export is still {state}: run the checks again once it has finished",
    )


# -- scores on the linked tasks ------------------------------------------------------------------


def score_results(
    plan_: Plan,
    scored: dict[int, dict[str, float | None]],
    production: dict[int, dict[str, float | None]],
    higher_is_better: dict[str, bool],
) -> list[CheckResult]:
    """The score checks from the measures of this commit's (and @production's) runs, per task.

    ``scored`` and ``production`` map a task id to its measures (``production`` may lack a
    task: then the production commit's stored figure, if any, is compared).
    """
    results = []
    for rule in plan_.config.scores:
        if not plan_.tasks:
            results.append(
                CheckResult(
                    name=score_name(rule, None),
                    passed=False,
                    detail="no linked task to score the commit on: link one "
                    "(PATCH the repository's task_ids)",
                )
            )
            continue
        for spec in plan_.tasks:
            name = score_name(rule, spec.task_id)
            if plan_.estimator is None:
                results.append(
                    CheckResult(
                        name=name,
                        passed=False,
                        detail=f"a {plan_.format} commit cannot be refitted on the task's "
                        "splits; only scikit-learn commits are scored",
                    )
                )
                continue
            results.append(_score(plan_, rule, spec, scored, production, higher_is_better))
    return results


def _score(
    plan_: Plan,
    rule: MergeRule,
    spec: TaskSpec,
    scored: dict[int, dict[str, float | None]],
    production: dict[int, dict[str, float | None]],
    higher_is_better: dict[str, bool],
) -> CheckResult:
    measure, name = rule.measure, score_name(rule, spec.task_id)
    value = scored.get(spec.task_id, {}).get(measure)
    before = production.get(spec.task_id, {}).get(measure)
    if before is None:
        before = plan_.production_scores.get(name)
    row = MeasureComparison(
        task_id=spec.task_id,
        measure=measure,
        target=before,
        candidate=value,
        higher_is_better=higher_is_better.get(measure, True),
    )
    problems = rule_violations([rule], [row])
    if rule.max_drop is not None and before is None and plan_.production_sha is None:
        note = "; no @production commit to compare with yet"
    elif rule.max_drop is not None and before is None:
        note = (
            f"; @production ({(plan_.production_sha or '')[:12]}) has no {measure} to compare with"
        )
        problems.append(f"{measure} on task {spec.task_id}: {note[2:]}")
    elif before is not None:
        note = f"; @production ({(plan_.production_sha or '')[:12]}) has {before:.4f}"
    else:
        note = ""
    if problems:
        return CheckResult(name=name, passed=False, detail="; ".join(problems), figure=value)
    return CheckResult(
        name=name,
        passed=True,
        detail=f"{measure} on task {spec.task_id} is {value:.4f}{note}"
        if value is not None
        else f"{measure} on task {spec.task_id} has no value",
        figure=value,
    )


def ordered(plan_: Plan, results: list[CheckResult]) -> list[CheckResult]:
    """Results in the order of the configuration's checks (unknown names last)."""
    order = {name: index for index, name in enumerate(plan_.names)}
    return sorted(results, key=lambda r: order.get(r.name, len(order)))
