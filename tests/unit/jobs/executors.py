"""A test double for the executor seam (the idea of httpx's ``MockTransport``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlhive.server.jobs.context import Handler, JobContext


class _Outcome:
    def __init__(self, error: Exception | None) -> None:
        self._error = error

    def result(self) -> None:
        if self._error is not None:
            raise self._error


class RecordingExecutor:
    """Records every submission; runs the handler with ``context``, or fails with ``fail_with``.

    A failure is handed back through ``result()`` like a real executor's, so the worker sees it
    exactly as it would see the handler's own exception.
    """

    def __init__(self, context: JobContext, fail_with: Exception | None = None) -> None:
        self.context = context
        self.fail_with = fail_with
        self.submitted: list[tuple[Handler, dict[str, Any]]] = []
        self.closed = False

    def submit(self, handler: Handler, payload: Mapping[str, Any]) -> _Outcome:
        self.submitted.append((handler, dict(payload)))
        if self.fail_with is not None:
            return _Outcome(self.fail_with)
        try:
            handler(self.context, payload)
        except Exception as exc:
            return _Outcome(exc)
        return _Outcome(None)

    def close(self) -> None:
        self.closed = True
