"""What a job handler is given, and the shape every handler has.

Kept apart from the worker so that executors (which run handlers) and the worker (which
claims jobs and records their outcome) can both name these without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from mlhive.server.config import Settings
from mlhive.server.storage import BlobStore


@dataclass(frozen=True)
class JobContext:
    """What a job handler may use: it opens its own short transactions."""

    sessions: sessionmaker[Session]
    store: BlobStore
    settings: Settings


Handler = Callable[[JobContext, Mapping[str, Any]], None]
"""A job handler: ``handler(context, payload)``; raising means the job failed."""
