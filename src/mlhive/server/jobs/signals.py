"""Wake-ups for the job queue: a job is picked up when it is queued, a waiter hears it finish.

Workers and long-polling requests would otherwise learn of a new or finished job only when
their next poll fires. Instead, :func:`announce` rings a channel once the caller's transaction
commits (never for one that rolls back):

- in this process, through a :class:`Doorbell` per database and channel, which every waiter
  in the process sleeps on;
- on PostgreSQL, also through ``NOTIFY`` in the same transaction, which PostgreSQL delivers to
  every listening session at commit; :func:`listen` starts one thread per process and
  database that turns those notifications into rings of the local doorbells, so a worker in
  another process (or on another machine) wakes up too.

Polling stays as the safety net (a lease that expires, a notification lost with a dropped
connection): waiters sleep at most their poll interval.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

log = logging.getLogger("mlhive.worker")

QUEUED = "mlhive_job_queued"
"""A job can be claimed: one was queued, or released for a retry."""
FINISHED = "mlhive_job_finished"
"""A job finished (done or failed)."""
_CHANNELS = (QUEUED, FINISHED)
_PENDING = "mlhive_rings"


class Doorbell:
    """A counter waiters sleep on: :meth:`wait` returns once it moved past a :meth:`mark`.

    Marking before the work and waiting after it means a ring that came in between is never
    missed.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._rings = 0

    def ring(self) -> None:
        with self._changed:
            self._rings += 1
            self._changed.notify_all()

    def mark(self) -> int:
        with self._changed:
            return self._rings

    def wait(self, since: int, timeout: float) -> bool:
        """Sleep until a ring after ``since`` or ``timeout`` seconds; returns whether rung."""
        with self._changed:
            return self._changed.wait_for(lambda: self._rings != since, timeout)


_bells: dict[tuple[str, str], Doorbell] = {}
_bells_lock = threading.Lock()


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def bell(engine: Engine, channel: str) -> Doorbell:
    """The doorbell of ``channel`` for ``engine``'s database in this process."""
    with _bells_lock:
        return _bells.setdefault((_key(engine), channel), Doorbell())


def announce(session: Session, channel: str) -> None:
    """Ring ``channel`` when the caller's transaction commits."""
    session.info.setdefault(_PENDING, set()).add(channel)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel})


@event.listens_for(Session, "after_commit")
def _ring_after_commit(session: Session) -> None:
    channels = session.info.pop(_PENDING, ())
    if channels:
        engine = session.get_bind().engine
        for channel in channels:
            bell(engine, channel).ring()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


class Listener:
    """On PostgreSQL, relays every process's announcements to this process's doorbells.

    A thread with its own connection that ``LISTEN``s on the channels; :meth:`stop` ends it
    and closes the connection. Elsewhere it does nothing: SQLite has one writing process,
    whose announcements ring the local doorbells directly.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._engine.dialect.name != "postgresql" or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._relay, name="mlhive-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _relay(self) -> None:
        import psycopg

        url = self._engine.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        bells = {channel: bell(self._engine, channel) for channel in _CHANNELS}
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as connection:
                    for channel in _CHANNELS:
                        connection.execute(f"LISTEN {channel}")
                    for rung in bells.values():  # whatever was announced while not listening
                        rung.ring()
                    while not self._stop.is_set():
                        for notice in connection.notifies(timeout=0.5):
                            bells[notice.channel].ring()
            except Exception as exc:  # the database restarted or the network dropped
                log.warning("job notifications interrupted (%s); polling until reconnected", exc)
                self._stop.wait(5.0)
