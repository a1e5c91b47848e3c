"""A real bound on a job's heavy phase: run it in a child process, kill it at the time limit.

A handler runs in the worker's thread, and a thread cannot be stopped from outside; checks
between phases would not stop one long phase (summarising 10 000 columns, scoring a huge
prediction file). So a handler hands its pure, database-free phase (``compute(store, spec)``)
to :func:`run_bounded`, which runs it in a child process and kills that process (SIGKILL) when
``job_time_limit_seconds`` has passed. The handler's transactions stay in the worker, so it
records the failure (``TimeLimitExceeded``, naming the limit and the setting) like any other.

Children come from a fork server that has already imported the heavy libraries (pyarrow,
numpy, the processing modules), so a job pays milliseconds to start, not an interpreter's
import time, and never inherits the server's threads or open database connections. Where there
is no fork server (Windows), children are spawned. As with any use of :mod:`multiprocessing`,
a script that builds the app itself must guard its entry point with
``if __name__ == "__main__":`` (the ``mlhive`` commands, uvicorn and pytest do), since each
child imports the main module.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from typing import Any, TypeVar

from mlhive.server.domain.errors import InvalidInput

log = logging.getLogger("mlhive.worker")
T = TypeVar("T")
PRELOAD = [
    "mlhive.server.services.datasets.processing",
    "mlhive.server.services.experiments.scoring",
    "mlhive.server.services.automl.trials",
]
"""Imported once by the fork server, so that each child starts with them loaded."""
_context: ForkServerContext | SpawnContext | None = None


class TimeLimitExceeded(InvalidInput):
    """A job's heavy phase ran longer than ``job_time_limit_seconds`` and was stopped.

    A verdict on the input: the same input would take as long again, so it is not retried.
    """


def run_bounded(fn: Callable[..., T], *args: Any, seconds: float, what: str) -> T:
    """``fn(*args)`` in a child process, killed after ``seconds`` (0: run here, unbounded).

    ``fn`` must be a module-level function and its arguments and result picklable; it must
    not use the database (its child has no connection).

    Raises:
        TimeLimitExceeded: ``fn`` did not finish in time; its process was killed.
        Exception: what ``fn`` raised (re-raised here, with the child's traceback as a note).
        RuntimeError: the child died without an answer (e.g. killed for lack of memory).
    """
    if seconds <= 0:
        return fn(*args)
    context = child_context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, fn, args), name="mlhive-job", daemon=True)
    child.start()
    sender.close()  # the child holds the only sending end: EOF here means it died
    try:
        if not receiver.poll(seconds):
            log.warning("%s: stopped at the time limit of %g s", what, seconds)
            raise TimeLimitExceeded(
                f"{what} took longer than the {seconds:g} s this server allows a job "
                "(setting job_time_limit_seconds, MLHIVE_JOB_TIME_LIMIT_SECONDS) and was "
                "stopped; make the data smaller, or ask the server's operator to raise the limit",
                setting="job_time_limit_seconds",
                limit=seconds,
            )
        # Pickle, as multiprocessing itself uses: the bytes are the server's own results,
        # written by the child this call started, over a pipe no one else holds.
        outcome, value, child_traceback = pickle.loads(receiver.recv_bytes())  # noqa: S301
    except EOFError:
        child.join()
        message = f"{what} stopped without an answer (exit code {child.exitcode})"
        raise RuntimeError(message) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if outcome == "error":
        value.add_note(child_traceback)
        raise value
    result: T = value
    return result


def child_context() -> ForkServerContext | SpawnContext:
    """The fork server (or, without one, spawn) context every bounded child comes from."""
    global _context  # one fork server per process, started on first use
    if _context is None:
        if "forkserver" in multiprocessing.get_all_start_methods():
            forkserver = multiprocessing.get_context("forkserver")
            forkserver.set_forkserver_preload(PRELOAD)
            _context = forkserver
        else:
            _context = multiprocessing.get_context("spawn")
    return _context


def _child(sender: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        answer: tuple[str, Any, str] = ("ok", fn(*args), "")
    except Exception as exc:
        answer = ("error", exc, "".join(traceback.format_exception(exc)))
    try:
        # An exception whose class needs other constructor arguments cannot be rebuilt on
        # the other side: check here, and send its message instead.
        payload = pickle.dumps(answer)
        pickle.loads(payload)  # noqa: S301 (the bytes were made on the line above)
    except Exception as exc:
        message = str(answer[1]) if answer[0] == "error" else f"unpicklable result: {exc}"
        payload = pickle.dumps(("error", RuntimeError(message), answer[2]))
    sender.send_bytes(payload)
    sender.close()
