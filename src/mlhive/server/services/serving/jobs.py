"""Serving's job handler: a commit's model checks (model CI), with its own transactions.

The plan is read in one short transaction; the checks that predict run outside any; each
score refits the estimator on a linked task's fixed splits as a server-side run (the forge's
:func:`mlhive.server.services.forge.jobs.run_estimator`, so the run is on the task's
leaderboard), and @production is refitted likewise when it has no stored figure to compare
with; the results are written in one transaction. A run that breaks is recorded on the commit
before the job fails, so promotion says why the results are missing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.forge import ModelRepo
from mlhive.server.domain.experiments.metrics import MEASURES
from mlhive.server.jobs.bounded import run_bounded
from mlhive.server.jobs.context import Handler, JobContext
from mlhive.server.services.forge import commits
from mlhive.server.services.forge.evaluation import measures_of
from mlhive.server.services.forge.jobs import run_estimator
from mlhive.server.services.serving import modelci, retraining
from mlhive.server.services.serving.modelci import CHECKS_JOB, Plan
from mlhive.server.services.serving.retraining import RETRAIN_JOB
from mlhive.wire.models import CommitCreate


def run_checks(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: run a commit's model checks and store one result per check.

    Raises:
        Exception: whatever broke the run, after the commit's run was marked failed.
    """
    commit_id = int(payload["commit_id"])
    try:
        with transaction(context.sessions) as session:
            plan = modelci.plan(session, context.store, commit_id)
        if plan is None:
            return
        results = modelci.behaviour_checks(context.store, plan)
        if plan.config.scores:
            results += _scores(context, plan)
        plan.results = modelci.ordered(plan, results)
        with transaction(context.sessions) as session:
            modelci.record(session, plan)
            retraining.after_checks(session, context.store, commit_id)
    except Exception as exc:
        with transaction(context.sessions) as session:
            modelci.mark_failed(session, commit_id, exc)
            retraining.after_checks(session, context.store, commit_id)
        raise


def _scores(context: JobContext, plan: Plan) -> list[Any]:
    scored: dict[int, dict[str, float | None]] = {}
    production: dict[int, dict[str, float | None]] = {}
    if plan.estimator is not None:
        label = f"checks-{plan.sha[:12]}"
        for spec in plan.tasks:
            scored[spec.task_id] = _measures(context, plan, plan.estimator, spec, [label])
            wanted = [
                modelci.score_name(rule, spec.task_id)
                for rule in plan.config.scores
                if rule.max_drop is not None
            ]
            if plan.production is not None and any(
                name not in plan.production_scores for name in wanted
            ):
                tags = [label, f"production-{(plan.production_sha or '')[:12]}"]
                production[spec.task_id] = _measures(context, plan, plan.production, spec, tags)
    higher = {name: m.higher_is_better for name, m in MEASURES.items()}
    return modelci.score_results(plan, scored, production, higher)


def _measures(
    context: JobContext, plan: Plan, estimator: Any, spec: Any, tags: list[str]
) -> dict[str, float | None]:
    run_id = run_estimator(context, estimator, spec, plan.owner, ["model-checks", *tags])
    with transaction(context.sessions) as session:
        return measures_of(session, run_id)


def retrain(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: refit a repository's pipeline on a dataset version and commit it to the
    policy's branch; its checks then run as for any push, and the merge request (or the move
    of @staging) follows them (:func:`mlhive.server.services.serving.retraining.after_checks`).

    Raises:
        Exception: whatever stopped the retrain, after the policy recorded why.
    """
    repo_id, dataset_id = int(payload["repo_id"]), int(payload["dataset_id"])
    try:
        _retrain(context, repo_id, dataset_id)
    except Exception as exc:
        with transaction(context.sessions) as session:
            retraining.mark_failed(session, repo_id, exc)
        raise


def _retrain(context: JobContext, repo_id: int, dataset_id: int) -> None:
    with transaction(context.sessions) as session:
        plan = retraining.plan(session, repo_id, dataset_id)
    if plan is None:
        return
    fitted = run_bounded(
        retraining.fit,
        context.store,
        plan.fit,
        seconds=context.settings.job_time_limit_seconds,
        what=f"retraining on dataset {dataset_id}",
    )
    meta = CommitCreate.model_validate(
        {
            "branch": plan.branch,
            "message": f"Retrain on {plan.dataset_name} version {plan.dataset_version}",
            "card": retraining.card_of(plan, fitted),
        }
    )
    scratch = context.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".skops", delete=False) as handle:
        handle.write(fitted.model)
    path = Path(handle.name)
    try:
        ingested = commits.ingest(
            context.store, path, "model.skops", meta, context.settings.max_tensors_per_file
        )
    finally:
        path.unlink(missing_ok=True)
    with transaction(context.sessions) as session:
        repo = session.get_one(ModelRepo, repo_id)
        commit = commits.push(
            session, plan.owner, repo, ingested, meta, retraining.applied(plan, fitted)
        )
        retraining.after_push(session, context.store, repo_id, commit)


def queue_due_retrains(context: JobContext) -> None:
    """Periodic: queue the retrains whose schedule is due."""
    with transaction(context.sessions) as session:
        retraining.queue_due(session)


HANDLERS: dict[str, Handler] = {CHECKS_JOB: run_checks, RETRAIN_JOB: retrain}
PERIODIC: list[Callable[[JobContext], None]] = [queue_due_retrains]
"""Run by an idle worker every few minutes (the retraining schedule)."""
