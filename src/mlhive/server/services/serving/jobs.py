"""Serving's job handler: a commit's model checks (model CI), with its own transactions.

The plan is read in one short transaction; the checks that predict run outside any; each
score refits the estimator on a linked task's fixed splits as a server-side run (the forge's
:func:`mlhive.server.services.forge.jobs.run_estimator`, so the run is on the task's
leaderboard), and @production is refitted likewise when it has no stored figure to compare
with; the results are written in one transaction. A run that breaks is recorded on the commit
before the job fails, so promotion says why the results are missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlhive.server.db.engine import transaction
from mlhive.server.domain.experiments.metrics import MEASURES
from mlhive.server.jobs.context import Handler, JobContext
from mlhive.server.services.forge.evaluation import measures_of
from mlhive.server.services.forge.jobs import run_estimator
from mlhive.server.services.serving import modelci
from mlhive.server.services.serving.modelci import CHECKS_JOB, Plan


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
    except Exception as exc:
        with transaction(context.sessions) as session:
            modelci.mark_failed(session, commit_id, exc)
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


HANDLERS: dict[str, Handler] = {CHECKS_JOB: run_checks}
