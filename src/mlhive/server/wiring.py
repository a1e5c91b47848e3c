"""The wired application: everything create_app builds once and request handlers share."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mlhive.server.config import Settings
from mlhive.server.jobs.context import JobContext
from mlhive.server.jobs.worker import Worker
from mlhive.server.services.automl.index import MetaIndex
from mlhive.server.storage import BlobStore


@dataclass
class Hive:
    """Settings, database, blob store and the background worker of one server."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    store: BlobStore
    worker: Worker
    # The similar-datasets matrix of this process, built on first use (services.automl.index).
    meta_index: MetaIndex = field(default_factory=MetaIndex)

    @property
    def job_context(self) -> JobContext:
        return self.worker.context
