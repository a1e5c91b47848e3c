"""Where job handlers run: the worker hands each claimed job to an :class:`Executor`."""

from mlhive.server.jobs.executors.base import Executor, Outcome
from mlhive.server.jobs.executors.inline import InlineExecutor

__all__ = ["Executor", "InlineExecutor", "Outcome"]
