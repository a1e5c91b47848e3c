"""Every job kind the services enqueue has exactly one handler in the running server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from mlhive.server.app import gather_handlers
from mlhive.server.jobs.context import JobContext
from mlhive.server.services.activity import DELIVER_JOB
from mlhive.server.services.automl.automl import AUTOML_JOB
from mlhive.server.services.automl.reproductions import REPRODUCE_JOB
from mlhive.server.services.automl.suite_runs import SUITE_RUN_JOB
from mlhive.server.services.datasets.catalog import FETCH_JOB, PROCESS_JOB
from mlhive.server.services.datasets.processing import AUTO_LEADERBOARD_JOB
from mlhive.server.services.experiments.runs import EVALUATE_JOB
from mlhive.server.services.forge.commits import CHECKS_JOB, EXPORT_JOB
from mlhive.server.services.forge.merges import MERGE_JOB
from mlhive.server.services.forge.requests import EVALUATE_REQUEST_JOB
from mlhive.server.services.serving.retraining import RETRAIN_JOB
from mlhive.server.wiring import Hive


def _noop(_: JobContext, __: Mapping[str, Any]) -> None:
    """A handler."""


def test_the_server_handles_every_job_kind_the_services_enqueue(hive: Hive) -> None:
    kinds = {
        PROCESS_JOB, FETCH_JOB, EVALUATE_JOB, EXPORT_JOB, MERGE_JOB, EVALUATE_REQUEST_JOB,
        CHECKS_JOB, AUTOML_JOB, SUITE_RUN_JOB, RETRAIN_JOB, AUTO_LEADERBOARD_JOB, REPRODUCE_JOB,
        DELIVER_JOB,
    }  # fmt: skip
    assert set(hive.worker.handlers) == kinds


def test_two_handlers_for_one_kind_are_refused() -> None:
    with pytest.raises(ValueError, match="'process_dataset' has two handlers"):
        gather_handlers({"process_dataset": _noop}, {"other": _noop, "process_dataset": _noop})


def test_registries_are_merged() -> None:
    assert gather_handlers({"a": _noop}, {"b": _noop}) == {"a": _noop, "b": _noop}
