"""The datasets capability's job handlers: the edges that open their own transactions.

Each handler keeps transactions short: read what the work needs, do the heavy work outside
any transaction, then write the results (see :mod:`mlhive.server.services.datasets.processing`).
The heavy work runs in a child process killed at ``job_time_limit_seconds``
(:mod:`mlhive.server.jobs.bounded`); the dataset is then marked failed naming the limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlhive.server.db.engine import transaction
from mlhive.server.jobs.bounded import run_bounded
from mlhive.server.jobs.context import Handler, JobContext
from mlhive.server.services.datasets import processing, remote
from mlhive.server.services.datasets.catalog import FETCH_JOB, PROCESS_JOB


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


def fetch_dataset(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: download a dataset given by URL (every hop checked, see
    :mod:`~mlhive.server.services.datasets.remote`), store its data, then process it.

    Raises:
        Exception: whatever the fetch or processing raised, after the dataset was marked
            failed (refusals are domain errors, which the worker does not retry).
    """
    dataset_id = int(payload["dataset_id"])
    try:
        fetched = remote.download(context.settings, str(payload["url"]), _scratch(context))
        try:
            prepared = remote.prepare(context.store, context.settings, fetched.path, dict(payload))
        finally:
            fetched.path.unlink(missing_ok=True)
        with transaction(context.sessions) as session:
            attached = remote.attach(session, dataset_id, prepared)
    except Exception as exc:
        with transaction(context.sessions) as session:
            processing.mark_failed(session, dataset_id, exc)
        raise
    if attached:
        process_dataset(context, {"dataset_id": dataset_id})


def _scratch(context: JobContext) -> Path:
    return context.settings.data_dir / "tmp"


HANDLERS: dict[str, Handler] = {PROCESS_JOB: process_dataset, FETCH_JOB: fetch_dataset}
