"""A running job's lease is renewed while its handler runs: another worker cannot take it
however long the handler takes, while a dead worker's job is free again after one lease."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.jobs import Job
from mlhive.server.jobs import queue
from mlhive.server.jobs.context import JobContext
from mlhive.server.jobs.worker import Worker
from mlhive.server.wiring import Hive

LEASE = 0.3


def _job(hive: Hive, job_id: int) -> Job:
    with transaction(hive.sessions) as session:
        return session.get_one(Job, job_id)


def _enqueue(hive: Hive) -> int:
    with transaction(hive.sessions) as session:
        return queue.enqueue(session, "slow", {}, subject="test").id


def _steal(hive: Hive) -> Job | None:
    with transaction(hive.sessions) as session:
        return queue.claim(session, "other-worker", LEASE)


def test_a_long_job_keeps_its_lease_and_a_dead_workers_job_is_taken_after_one(
    hive: Hive,
) -> None:
    context = JobContext(
        hive.sessions, hive.store, hive.settings.model_copy(update={"job_lease_seconds": LEASE})
    )
    started, release = threading.Event(), threading.Event()

    def slow(_: JobContext, __: Mapping[str, Any]) -> None:
        started.set()
        release.wait(30)

    worker = Worker(context, {"slow": slow}, name="busy-worker")
    job_id = _enqueue(hive)
    runner = threading.Thread(target=worker.run_once)
    runner.start()
    try:
        assert started.wait(30)
        deadline = time.monotonic() + 4 * LEASE  # well past the first lease
        while time.monotonic() < deadline:
            assert _steal(hive) is None, "a running job was taken from its live worker"
            time.sleep(LEASE / 5)
    finally:
        release.set()
        runner.join(30)
    done = _job(hive, job_id)
    assert (done.state, done.attempts, done.worker) == ("done", 1, "busy-worker")

    # A worker that died (claimed, never beats): its job is free once the lease has passed.
    orphan = _enqueue(hive)
    with transaction(hive.sessions) as session:
        assert queue.claim(session, "dead-worker", LEASE) is not None
    assert _steal(hive) is None
    time.sleep(LEASE * 1.5)
    taken = _steal(hive)
    assert taken is not None and (taken.id, taken.attempts) == (orphan, 2)
