"""The durable job queue: exclusive claims, leases that expire, failures that are recorded."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from mlhive.server.db.base import utcnow
from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.jobs import Job
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.jobs import queue
from mlhive.server.jobs.context import JobContext
from mlhive.server.jobs.worker import Worker
from mlhive.server.wiring import Hive


def _enqueue(hive: Hive, kind: str = "echo", **payload: Any) -> int:
    with transaction(hive.sessions) as session:
        return queue.enqueue(session, kind, dict(payload), subject="test").id


def _job(hive: Hive, job_id: int) -> Job:
    with transaction(hive.sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _worker(hive: Hive, handlers: Mapping[str, Any], name: str = "w1") -> Worker:
    return Worker(hive.job_context, handlers, name=name)


def test_each_job_runs_exactly_once_across_concurrent_workers(hive: Hive) -> None:
    ran: list[int] = []
    lock = threading.Lock()

    def record(_: JobContext, payload: Mapping[str, Any]) -> None:
        with lock:
            ran.append(int(payload["n"]))

    ids = [_enqueue(hive, n=n) for n in range(30)]
    workers = [_worker(hive, {"echo": record}, name=f"w{i}") for i in range(3)]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ran) == list(range(30))
    assert {_job(hive, i).state for i in ids} == {"done"}


def test_a_job_whose_worker_died_is_run_again_after_its_lease(hive: Hive) -> None:
    job_id = _enqueue(hive)
    with transaction(hive.sessions) as session:  # a worker claims it, then "dies"
        assert queue.claim(session, "dead-worker", lease_seconds=600) is not None
    seen: list[str] = []
    worker = _worker(hive, {"echo": lambda ctx, p: seen.append("ran")})
    assert worker.run_once() is False  # the lease still holds
    with transaction(hive.sessions) as session:
        session.execute(update(Job).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert worker.run_once() is True
    job = _job(hive, job_id)
    assert (job.state, job.attempts, job.worker, seen) == ("done", 2, "w1", ["ran"])


def test_input_errors_fail_at_once_with_their_message(hive: Hive) -> None:
    def reject(_: JobContext, __: Mapping[str, Any]) -> None:
        raise InvalidInput("column 'x' is broken")

    job_id = _enqueue(hive)
    _worker(hive, {"echo": reject}).drain()
    job = _job(hive, job_id)
    assert (job.state, job.attempts, job.error) == ("failed", 1, "column 'x' is broken")


def test_unexpected_errors_are_retried_then_recorded(hive: Hive) -> None:
    calls: list[int] = []

    def flaky(_: JobContext, __: Mapping[str, Any]) -> None:
        calls.append(1)
        raise RuntimeError("disk on fire")

    job_id = _enqueue(hive)
    _worker(hive, {"echo": flaky}).drain()
    job = _job(hive, job_id)
    assert len(calls) == hive.settings.job_max_attempts
    assert job.state == "failed" and job.error == "RuntimeError: disk on fire"


def test_unknown_kind_fails_with_a_clear_error(hive: Hive) -> None:
    job_id = _enqueue(hive, kind="mystery")
    _worker(hive, {}).drain()
    assert _job(hive, job_id).error == "no handler for job kind 'mystery'"


def test_exhausted_lost_jobs_are_failed_not_retried_forever(hive: Hive) -> None:
    job_id = _enqueue(hive)
    with transaction(hive.sessions) as session:
        session.execute(
            update(Job).values(
                state="running",
                attempts=hive.settings.job_max_attempts,
                lease_until=utcnow() - timedelta(seconds=1),
                worker="gone",
            )
        )
    assert _worker(hive, {"echo": lambda ctx, p: None}).run_once() is False
    job = _job(hive, job_id)
    assert job.state == "failed" and "stopped before finishing" in (job.error or "")
