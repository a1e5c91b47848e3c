"""The experiments capability's job handlers: the edges that open their own transactions.

Scoring a run reads what it needs in one short transaction, validates and scores the
predictions outside any transaction (in the worker when the inputs are small, otherwise in a
child process killed at the job time limit), and writes the evaluations in another (see
:mod:`mlhive.server.services.experiments.scoring`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlhive.server.db.engine import transaction
from mlhive.server.jobs.bounded import run_bounded
from mlhive.server.jobs.context import Handler, JobContext
from mlhive.server.services.experiments import scoring
from mlhive.server.services.experiments.runs import EVALUATE_JOB


def evaluate_run(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: compute the server's measures of a run from its stored predictions.

    Raises:
        Exception: whatever validation or scoring raised, after the run was marked ``error``.
    """
    run_id = int(payload["run_id"])
    with transaction(context.sessions) as session:
        spec = scoring.read_spec(session, run_id)
    if spec is None:
        return
    try:
        if scoring.is_small(context.store, spec):
            results = scoring.compute(context.store, spec)
        else:
            results = run_bounded(
                scoring.compute,
                context.store,
                spec,
                seconds=context.settings.job_time_limit_seconds,
                what=f"scoring run {run_id}",
            )
    except Exception as exc:
        with transaction(context.sessions) as session:
            scoring.mark_failed(session, run_id, exc)
        raise
    with transaction(context.sessions) as session:
        scoring.store_evaluations(session, run_id, spec, results)


HANDLERS: dict[str, Handler] = {EVALUATE_JOB: evaluate_run}
