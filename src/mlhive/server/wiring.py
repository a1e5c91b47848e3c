"""The wired application: everything create_app builds once and request handlers share."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mlhive.server.config import Settings
from mlhive.server.jobs import signals
from mlhive.server.jobs.context import JobContext
from mlhive.server.jobs.worker import Worker
from mlhive.server.services.automl.index import MetaIndex
from mlhive.server.services.serving.runtime import Serving
from mlhive.server.storage import BlobStore

LONG_POLLS = 16
"""Requests that may wait for a job at once; beyond that they answer at once."""


@dataclass
class Hive:
    """Settings, database, blob store, the background worker and the serving state of one
    server."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    store: BlobStore
    worker: Worker
    # The similar-datasets matrix of this process, built on first use (services.automl.index).
    meta_index: MetaIndex = field(default_factory=MetaIndex)
    serving: Serving = field(default_factory=Serving)
    # Requests that may wait for a job at once (a long poll holds a request thread).
    long_polls: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(LONG_POLLS)
    )

    @property
    def jobs_finished(self) -> signals.Doorbell:
        """Rung in this process whenever a job of this database finishes."""
        return signals.bell(self.engine, signals.FINISHED)

    @property
    def job_context(self) -> JobContext:
        return self.worker.context
