"""The worker loop: claim a job, submit its handler to an executor, record the outcome.

The server runs one worker in a background thread by default (``MLHIVE_WORKER=inline``);
``mlhive worker`` runs the same loop as a separate process, any number of them. Where a
handler runs is the executor's business (:mod:`mlhive.server.jobs.executors`); by default it
runs inline, in the worker's thread.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlhive.server.db.engine import optimize, transaction
from mlhive.server.domain.errors import DomainError
from mlhive.server.jobs import queue, signals
from mlhive.server.jobs.context import Handler, JobContext
from mlhive.server.jobs.executors import Executor, InlineExecutor
from mlhive.server.jobs.sweep import SWEEP_EVERY_SECONDS, sweep_leftovers

log = logging.getLogger("mlhive.worker")
OPTIMIZE_EVERY_SECONDS = 3600.0
BEATS_PER_LEASE = 3
"""How often a running job's lease is renewed: a late beat or two still keeps it."""


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


class Worker:
    """Runs queued jobs with the handlers registered for their kinds.

    Args:
        context: the database, store and settings the worker claims and records jobs with.
        handlers: job kind → handler.
        name: the worker's name in job rows; host, process and thread when omitted.
        executor: where handlers run; inline in the worker's thread with ``context`` by default.
        periodic: called with ``context`` when the worker is idle, every few minutes (schedules:
            each queues the jobs that are due).
    """

    def __init__(
        self,
        context: JobContext,
        handlers: Mapping[str, Handler],
        name: str = "",
        executor: Executor | None = None,
        periodic: Sequence[Callable[[JobContext], None]] = (),
    ) -> None:
        self.context = context
        self.periodic = list(periodic)
        self.handlers = dict(handlers)
        self.executor = executor if executor is not None else InlineExecutor(context)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        engine = context.sessions.kw["bind"].engine
        self._queued = signals.bell(engine, signals.QUEUED)
        self._listener = signals.Listener(engine)

    def _claim(self) -> _Claimed | None:
        settings = self.context.settings
        with transaction(self.context.sessions) as session:
            queue.fail_exhausted(session, settings.job_max_attempts)
            job = queue.claim(session, self.name, settings.job_lease_seconds)
            if job is None:
                return None
            return _Claimed(job.id, job.kind, dict(job.payload), job.attempts)

    def run_once(self) -> bool:
        """Run one job if there is one; returns whether a job was run."""
        job = self._claim()
        if job is None:
            return False
        error, retry = self._execute(job)
        with transaction(self.context.sessions) as session:
            if retry and error is not None:
                queue.release(session, job.id, self.name, error)
            else:
                queue.finish(session, job.id, self.name, error)
        return True

    def _execute(self, job: _Claimed) -> tuple[str | None, bool]:
        handler = self.handlers.get(job.kind)
        if handler is None:
            return f"no handler for job kind {job.kind!r}", False
        try:
            with _Heartbeat(self, job.id):
                self.executor.submit(handler, job.payload).result()
        except DomainError as exc:  # a verdict on the input: retrying cannot help
            return exc.detail, False
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            last = job.attempts >= self.context.settings.job_max_attempts
            message = "".join(traceback.format_exception_only(exc)).strip()
            return message, not last
        return None, False

    def drain(self, max_jobs: int = 10_000) -> int:
        """Run jobs until none is runnable; returns how many ran (handy in tests and demos)."""
        count = 0
        while count < max_jobs and self.run_once():
            count += 1
        return count

    def run_forever(self) -> None:
        """Run jobs as they are queued until :meth:`stop` is called; when idle, keep planner
        statistics fresh and remove files that killed processes left (see
        :mod:`mlhive.server.jobs.sweep`).

        A job queued in this process, or on PostgreSQL in any process, wakes the loop at once
        (:mod:`mlhive.server.jobs.signals`); it also polls every ``worker_poll_seconds``.
        """
        self._listener.start()
        try:
            self._loop()
        finally:
            self._listener.stop()

    def _loop(self) -> None:
        last_optimized = last_swept = 0.0  # both at the first idle moment
        while not self._stop.is_set():
            rings = self._queued.mark()  # a job queued from now on wakes the wait below
            try:
                ran = self.run_once()
            except Exception:  # the database may be briefly unavailable: keep serving
                log.exception("worker loop error")
                ran = False
            if not ran:
                if time.monotonic() - last_optimized > OPTIMIZE_EVERY_SECONDS:
                    last_optimized = time.monotonic()
                    self._optimize()
                if time.monotonic() - last_swept > SWEEP_EVERY_SECONDS:
                    last_swept = time.monotonic()
                    self._sweep()
                # Woken by a new job (or by stop); the poll catches what no ring announced.
                self._queued.wait(rings, self.context.settings.worker_poll_seconds)

    def _sweep(self) -> None:
        try:
            sweep_leftovers(self.context)
        except Exception:  # a sweep only tidies up: never stop the worker for it
            log.exception("could not remove leftover files")
        self.run_periodic()

    def run_periodic(self) -> None:
        """Call every periodic function once (a failing one is logged, the others still run)."""
        for call in self.periodic:
            try:
                call(self.context)
            except Exception:
                log.exception("periodic %s failed", getattr(call, "__name__", call))

    def _optimize(self) -> None:
        try:
            with self.context.sessions() as session:
                optimize(session.get_bind().engine)
        except Exception:  # statistics are an optimisation: never stop the worker for them
            log.exception("could not refresh planner statistics")

    def start(self) -> None:
        """Run :meth:`run_forever` in a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name="mlhive-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the loop to stop after the current job and wait for it."""
        self._stop.set()
        self._queued.ring()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def close(self, timeout: float = 30.0) -> None:
        """Stop the loop (see :meth:`stop`), then release the executor."""
        self.stop(timeout)
        self.executor.close()


class _Heartbeat:
    """Renews a job's lease on a thread while its handler runs, so the lease can be short."""

    def __init__(self, worker: Worker, job_id: int) -> None:
        self._worker = worker
        self._job_id = job_id
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="mlhive-heartbeat", daemon=True)

    def __enter__(self) -> None:
        self._thread.start()

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _beat(self) -> None:
        context, name = self._worker.context, self._worker.name
        lease = context.settings.job_lease_seconds
        while not self._done.wait(lease / BEATS_PER_LEASE):
            try:
                with transaction(context.sessions) as session:
                    held = queue.heartbeat(session, self._job_id, name, lease)
            except Exception:  # the database may be briefly busy: the next beat tries again
                log.exception("could not renew the lease of job %s", self._job_id)
                continue
            if not held:
                log.warning("job %s: the lease was lost to another worker", self._job_id)
                return
