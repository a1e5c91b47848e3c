"""Jobs are picked up when they are queued, and waiters hear them finish, without a poll.

The workers here poll only every 60 s: a job done within the test's few seconds was picked up
by its announcement.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

import psycopg
import pytest

from mlhive.server.config import Settings
from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.jobs import Job
from mlhive.server.jobs import queue, signals
from mlhive.server.jobs.context import JobContext
from mlhive.server.jobs.worker import Worker
from mlhive.server.wiring import Hive
from tests.conftest import PG_URL

SLOW_POLL = 60.0
SOON = 20.0
"""Far below the poll interval, far above what a busy machine needs to run an empty job."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"worker_poll_seconds": SLOW_POLL})


@pytest.fixture
def quiet_hive(hive: Hive) -> Hive:
    assert hive.settings.worker_poll_seconds == SLOW_POLL
    return hive


@pytest.fixture
def worker(quiet_hive: Hive) -> Iterator[tuple[Worker, threading.Event]]:
    ran = threading.Event()

    def handler(_: JobContext, __: Mapping[str, Any]) -> None:
        ran.set()

    started = Worker(quiet_hive.job_context, {"ping": handler})
    started.start()
    yield started, ran
    started.close()


def _enqueue(hive: Hive) -> int:
    with transaction(hive.sessions) as session:
        return queue.enqueue(session, "ping", {}, subject="test").id


def test_an_idle_worker_picks_a_new_job_up_at_once(
    quiet_hive: Hive, worker: tuple[Worker, threading.Event]
) -> None:
    _, ran = worker
    finished = quiet_hive.jobs_finished
    rings = finished.mark()
    job_id = _enqueue(quiet_hive)
    assert ran.wait(SOON), "the worker slept through the new job until its next poll"

    def state() -> str:
        with transaction(quiet_hive.sessions) as session:
            return session.get_one(Job, job_id).state

    while state() != "done":  # other rings (a listener starting) may come first
        assert finished.wait(rings, SOON), "nobody heard the job finish"
        rings = finished.mark()


def test_a_rolled_back_enqueue_rings_nothing(quiet_hive: Hive) -> None:
    queued = signals.bell(quiet_hive.engine, signals.QUEUED)
    rings = queued.mark()

    def failing_request() -> None:
        with transaction(quiet_hive.sessions) as session:
            queue.enqueue(session, "ping", {}, subject="test")
            raise RuntimeError("the request failed after queueing")

    with pytest.raises(RuntimeError):
        failing_request()
    assert not queued.wait(rings, 0.2)
    with transaction(quiet_hive.sessions) as session:
        assert session.query(Job).count() == 0
    _enqueue(quiet_hive)
    assert queued.wait(rings, 0)  # a committed one rings


def test_stopping_an_idle_worker_does_not_wait_for_its_poll(quiet_hive: Hive) -> None:
    idle = Worker(quiet_hive.job_context, {})
    idle.start()
    thread = idle._thread
    idle.close(timeout=SOON)
    assert thread is not None and not thread.is_alive()


@pytest.mark.skipif(not PG_URL, reason="NOTIFY is PostgreSQL's")
def test_on_postgresql_another_process_announcement_reaches_this_process(quiet_hive: Hive) -> None:
    hive = quiet_hive
    listener = signals.Listener(hive.engine)
    queued = signals.bell(hive.engine, signals.QUEUED)
    before = queued.mark()
    listener.start()
    try:
        assert queued.wait(before, SOON)  # it rings once it listens (for what it missed)
        rings = queued.mark()
        dsn = hive.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as other:  # as another server would
            other.execute(f"NOTIFY {signals.QUEUED}")
        assert queued.wait(rings, SOON), "the notification from another connection was lost"
    finally:
        listener.stop()
