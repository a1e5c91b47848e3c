"""The datasets capability's job handlers: the edges that open their own transactions.

Each handler keeps transactions short: read what the work needs, do the heavy work outside
any transaction, then write the results (see :mod:`mlhive.server.services.datasets.processing`).
The heavy work runs in a child process killed at ``job_time_limit_seconds``
(:mod:`mlhive.server.jobs.bounded`); the dataset is then marked failed naming the limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlhive.server.db.engine import transaction
from mlhive.server.jobs.bounded import run_bounded
from mlhive.server.jobs.context import Handler, JobContext
from mlhive.server.services.datasets import processing
from mlhive.server.services.datasets.catalog import PROCESS_JOB


def process_dataset(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: compute and store features, qualities and the ARFF file of a dataset.

    Raises:
        Exception: whatever the processing raised, after the dataset was marked failed.
    """
    dataset_id = int(payload["dataset_id"])
    with transaction(context.sessions) as session:
        spec = processing.read_spec(session, dataset_id)
    if spec is None:  # deleted meanwhile: nothing to do
        return
    try:
        processed = run_bounded(
            processing.compute,
            context.store,
            context.settings,
            spec,
            seconds=context.settings.job_time_limit_seconds,
            what=f"processing dataset {dataset_id}",
        )
        with transaction(context.sessions) as session:
            processing.store_results(session, context.settings, dataset_id, processed)
    except Exception as exc:
        with transaction(context.sessions) as session:
            processing.mark_failed(session, dataset_id, exc)
        raise


HANDLERS: dict[str, Handler] = {PROCESS_JOB: process_dataset}
