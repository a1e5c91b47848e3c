"""The forge's job handlers: the edges that open their own transactions.

Exports and merge-request evaluations keep transactions short: read what the work needs,
convert or refit models outside any transaction, then write the outcome. A merge computes and
commits in one transaction, so a failed merge leaves no partial commit behind. Every handler
records a failure on its subject (commit, merge, request) before the job fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.forge import ModelCommit
from mlhive.server.domain.access import Actor
from mlhive.server.jobs.context import Handler, JobContext
from mlhive.server.services.experiments.jobs import evaluate_run
from mlhive.server.services.forge import evaluation, export, merges, requests
from mlhive.server.services.forge.commits import EXPORT_JOB, queue_checks
from mlhive.server.services.forge.evaluation import TaskSpec
from mlhive.server.services.forge.merges import MERGE_JOB
from mlhive.server.services.forge.requests import EVALUATE_REQUEST_JOB


def export_onnx(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: export a scikit-learn commit to ONNX and check its parity.

    Raises:
        Exception: whatever the export raised, after the commit's export was marked failed.
    """
    commit_id = int(payload["commit_id"])
    try:
        with transaction(context.sessions) as session:
            prepared = export.prepare(session, context.store, commit_id)
        if prepared is None:
            return
        outcome = export.check(context.store, prepared)
        with transaction(context.sessions) as session:
            export.record(session, commit_id, outcome)
            _checks_after_export(session, commit_id)
    except Exception as exc:
        with transaction(context.sessions) as session:
            export.mark_failed(session, commit_id, exc)
            _checks_after_export(session, commit_id)
        raise


def _checks_after_export(session: Session, commit_id: int) -> None:
    """Queue the commit's model checks now that its export (checked by one of them) is known."""
    commit = session.get(ModelCommit, commit_id)
    if commit is not None:
        queue_checks(session, commit)


def run_merge(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: carry out a queued merge and commit its result.

    Raises:
        Exception: whatever the merge raised, after the merge was marked failed.
    """
    merge_id = int(payload["merge_id"])
    try:
        with transaction(context.sessions) as session:
            merges.carry_out(session, context.store, merge_id)
    except Exception as exc:
        with transaction(context.sessions) as session:
            merges.mark_failed(session, merge_id, exc)
        raise


def evaluate_request(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: evaluate a merge request's candidate and target on the linked tasks.

    Raises:
        Exception: whatever the evaluation raised, after the request's evaluation was marked
            failed.
    """
    request_id = int(payload["request_id"])
    try:
        _evaluate_request(context, request_id)
    except Exception as exc:
        with transaction(context.sessions) as session:
            requests.mark_evaluation_failed(session, request_id, exc)
        raise


def _evaluate_request(context: JobContext, request_id: int) -> None:
    with transaction(context.sessions) as session:
        plan = requests.plan_evaluation(session, context.store, request_id)
    if plan is None:
        return
    comparison: list[dict[str, Any]] = []
    for spec in plan.specs:
        run_ids = {
            side: run_estimator(
                context, plan.estimators[side], spec, plan.actors[side], ["forge", plan.label, side]
            )
            for side in ("target", "candidate")
        }
        with transaction(context.sessions) as session:
            comparison += requests.compare(session, spec, run_ids)
    with transaction(context.sessions) as session:
        requests.record_evaluation(session, request_id, plan.rules, comparison)


def run_estimator(
    context: JobContext, estimator: Any, spec: TaskSpec, actor: Actor, tags: list[str]
) -> int:
    """Refit ``estimator`` on every fold of the task, submit the run and score it at once.

    Returns:
        The new run's id (evaluated by the time this returns).
    """
    fitted = evaluation.fit_on_folds(context.store, estimator, spec)
    with transaction(context.sessions) as session:
        run_id = evaluation.submit_run(
            session, context.store, context.settings, actor, spec, fitted, tags
        )
    evaluate_run(context, {"run_id": run_id})
    return run_id


HANDLERS: dict[str, Handler] = {
    EXPORT_JOB: export_onnx,
    MERGE_JOB: run_merge,
    EVALUATE_REQUEST_JOB: evaluate_request,
}
