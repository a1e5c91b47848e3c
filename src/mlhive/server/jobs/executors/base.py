"""The executor seam: one small protocol between the worker and whatever runs a handler.

The worker claims a job, submits its handler and payload, waits for the outcome and records
it. An executor decides only *where* the handler runs (the worker's thread, a process pool, a
Dask cluster) and supplies the :class:`~mlhive.server.jobs.context.JobContext` there. Futures
from :mod:`concurrent.futures` and Dask already satisfy :class:`Outcome`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from mlhive.server.jobs.context import Handler


class Outcome(Protocol):
    """The pending or finished result of one submitted handler."""

    def result(self) -> None:
        """Wait for the handler to finish; re-raise its exception if it raised one."""
        ...


class Executor(Protocol):
    """Runs job handlers on the worker's behalf."""

    def submit(self, handler: Handler, payload: Mapping[str, Any]) -> Outcome:
        """Start ``handler`` on ``payload`` with this executor's job context."""
        ...

    def close(self) -> None:
        """Release what the executor holds (threads, processes, a cluster client)."""
        ...
