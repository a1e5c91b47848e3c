"""The default executor: run each handler at once, in the calling (worker's) thread."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlhive.server.jobs.context import Handler, JobContext


class Finished:
    """The outcome of a handler that has already run: nothing, or the exception it raised."""

    def __init__(self, error: Exception | None = None) -> None:
        self._error = error

    def result(self) -> None:
        """Return when the handler succeeded; re-raise its exception otherwise."""
        if self._error is not None:
            raise self._error


class InlineExecutor:
    """Runs handlers synchronously with one job context (the worker's own)."""

    def __init__(self, context: JobContext) -> None:
        self.context = context

    def submit(self, handler: Handler, payload: Mapping[str, Any]) -> Finished:
        """Run ``handler`` now; its exception is kept for :meth:`Finished.result`."""
        try:
            handler(self.context, payload)
        except Exception as exc:  # handed back through result(), like a future would
            return Finished(exc)
        return Finished()

    def close(self) -> None:
        """Nothing to release: the handlers ran in the caller's thread."""
