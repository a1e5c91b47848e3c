"""Writing the deployments' call counts and monitoring, for every adapter that serves or shows
them.

Calls are counted and recorded in memory (``Serving.tally``, ``Serving.monitor``); a
:class:`Flusher` thread writes them at most ``FLUSH_SECONDS`` later, and once more at shutdown,
so a prediction never waits for a database write. Readers add what their own process has not
written yet (:func:`pending`) and never write on a read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from mlhive.server.http.deps import read, record
from mlhive.server.services.serving import deployments, metrics
from mlhive.server.services.serving.monitor import Recorded
from mlhive.server.services.serving.runtime import FLUSH_SECONDS
from mlhive.server.wiring import Hive

log = logging.getLogger("mlhive.serving")


def flush_counts(hive: Hive, *, force: bool = False) -> None:
    """Write the counted calls and the recorded answer times and inputs when due (or now,
    with ``force``).

    A failed write keeps them for the next flush: counting never fails a call.
    """
    tally, monitor = hive.serving.tally, hive.serving.monitor
    if not force and not tally.due():
        return
    with hive.serving.counting:
        counts = tally.take()
        recorded = monitor.take()
        if not counts and not recorded:
            return
        try:
            with record(hive) as session:
                deployments.flush_counts(session, counts)
                metrics.flush(session, recorded)
        except Exception:  # any failure (a busy database, a lost connection): retry later
            log.warning("deployment call counts not written yet; retrying later", exc_info=True)
            tally.give_back(counts)
            monitor.give_back(recorded)


@contextmanager
def counted(hive: Hive) -> Iterator[Session]:
    """A read transaction in which stored counts plus :func:`pending` ones are each call
    once: no flush commits while it lasts."""
    with hive.serving.counting, read(hive) as session:
        yield session


def pending(hive: Hive, deployment_id: int) -> tuple[tuple[int, int], Recorded]:
    """What this process counted and recorded for a deployment and has not written yet."""
    serving = hive.serving
    return serving.tally.pending(deployment_id), serving.monitor.pending(deployment_id)


class Flusher:
    """A thread writing the counts every ``FLUSH_SECONDS`` while any are waiting."""

    def __init__(self, hive: Hive, interval: float = FLUSH_SECONDS) -> None:
        self.hive = hive
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mlhive-serving-flush", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            flush_counts(self.hive)

    def close(self) -> None:
        """Stop the thread and write what is still waiting."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        flush_counts(self.hive, force=True)
