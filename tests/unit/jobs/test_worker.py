"""The worker runs handlers through its executor and records what the executor reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.jobs import Job
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.jobs import queue
from mlhive.server.jobs.context import JobContext
from mlhive.server.jobs.executors import InlineExecutor
from mlhive.server.jobs.worker import Worker
from mlhive.server.wiring import Hive
from tests.unit.jobs.executors import RecordingExecutor


def _enqueue(hive: Hive, **payload: Any) -> int:
    with transaction(hive.sessions) as session:
        return queue.enqueue(session, "echo", dict(payload), subject="test").id


def _job(hive: Hive, job_id: int) -> Job:
    with transaction(hive.sessions) as session:
        return session.get_one(Job, job_id)


def _echo(_: JobContext, __: Mapping[str, Any]) -> None:
    """A handler that succeeds."""


def test_a_job_is_submitted_to_the_executor_and_recorded_done(hive: Hive) -> None:
    seen: list[Mapping[str, Any]] = []

    def record(_: JobContext, payload: Mapping[str, Any]) -> None:
        seen.append(payload)

    executor = RecordingExecutor(hive.job_context)
    job_id = _enqueue(hive, dataset_id=7)
    assert Worker(hive.job_context, {"echo": record}, executor=executor).run_once() is True
    assert executor.submitted == [(record, {"dataset_id": 7})]
    assert seen == [{"dataset_id": 7}]
    job = _job(hive, job_id)
    assert (job.state, job.attempts, job.error) == ("done", 1, None)


def test_a_domain_error_from_the_executor_fails_the_job_without_retry(hive: Hive) -> None:
    executor = RecordingExecutor(hive.job_context, fail_with=InvalidInput("column 'x' is broken"))
    job_id = _enqueue(hive)
    Worker(hive.job_context, {"echo": _echo}, executor=executor).drain()
    assert len(executor.submitted) == 1
    job = _job(hive, job_id)
    assert (job.state, job.attempts, job.error) == ("failed", 1, "column 'x' is broken")


def test_other_errors_from_the_executor_are_retried_until_attempts_run_out(hive: Hive) -> None:
    executor = RecordingExecutor(hive.job_context, fail_with=OSError("cluster unreachable"))
    worker = Worker(hive.job_context, {"echo": _echo}, executor=executor)
    job_id = _enqueue(hive)
    worker.run_once()
    job = _job(hive, job_id)
    assert (job.state, job.attempts, job.error) == ("queued", 1, "OSError: cluster unreachable")
    worker.drain()
    assert len(executor.submitted) == hive.settings.job_max_attempts
    job = _job(hive, job_id)
    assert (job.state, job.error) == ("failed", "OSError: cluster unreachable")


def test_an_unknown_kind_never_reaches_the_executor(hive: Hive) -> None:
    executor = RecordingExecutor(hive.job_context)
    job_id = _enqueue(hive)
    Worker(hive.job_context, {}, executor=executor).drain()
    assert executor.submitted == []
    assert _job(hive, job_id).error == "no handler for job kind 'echo'"


def test_closing_the_worker_closes_its_executor(hive: Hive) -> None:
    executor = RecordingExecutor(hive.job_context)
    worker = Worker(hive.job_context, {}, executor=executor)
    worker.start()
    worker.close(timeout=5)
    assert executor.closed


def test_the_inline_executor_runs_with_its_context_and_reraises(hive: Hive) -> None:
    contexts: list[JobContext] = []
    error = RuntimeError("disk on fire")

    def failing(context: JobContext, _: Mapping[str, Any]) -> None:
        contexts.append(context)
        raise error

    outcome = InlineExecutor(hive.job_context).submit(failing, {})
    assert contexts == [hive.job_context]  # ran at once, in this thread
    with pytest.raises(RuntimeError) as raised:
        outcome.result()
    assert raised.value is error


def test_a_worker_without_an_executor_runs_handlers_inline(hive: Hive) -> None:
    worker = Worker(hive.job_context, {})
    assert isinstance(worker.executor, InlineExecutor)
    assert worker.executor.context is hive.job_context
