"""Helpers for the model pages' tests: push any model file, make a classification task, open
a merge request, each through the services in a transaction of its own."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from safetensors.numpy import save

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.domain.experiments.procedures import default_procedure
from mlhive.server.services.experiments import tasks
from mlhive.server.services.forge import commits, repos
from mlhive.server.services.forge import requests as model_requests
from mlhive.server.wiring import Hive
from mlhive.wire.models import CommitCreate, MergeRequestCreate
from mlhive.wire.tasks import TaskCreate
from tests.factories import CLASSIFICATION_CSV, publish


def push_file(
    hive: Hive, actor: Actor, full_name: str, data: bytes, filename: str, **meta: Any
) -> str:
    """Push ``data`` as ``filename`` with ``meta`` (a CommitCreate); the new commit's id."""
    scratch = hive.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=Path(filename).suffix, delete=False) as f:
        f.write(data)
    path = Path(f.name)
    body = CommitCreate.model_validate(meta)
    try:
        ingested = commits.ingest(hive.store, path, filename, body, 10_000)
    finally:
        path.unlink(missing_ok=True)
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, actor, full_name)
        return commits.push(session, actor, repo, ingested, body).sha


def push_arrays(
    hive: Hive, actor: Actor, full_name: str, arrays: dict[str, np.ndarray], **meta: Any
) -> str:
    """Push tensors as a safetensors file."""
    return push_file(hive, actor, full_name, save(arrays), "model.safetensors", **meta)


def push_estimator(hive: Hive, actor: Actor, full_name: str, estimator: Any, **meta: Any) -> str:
    """Push a fitted scikit-learn estimator as a skops file."""
    return push_file(hive, actor, full_name, sio.dumps(estimator), "model.skops", **meta)


def classification_task(hive: Hive, actor: Actor) -> int:
    """A processed two-class dataset (x1, x2 → label) and a cross-validation task on it."""
    dataset_id = publish(hive, actor, CLASSIFICATION_CSV, name="points")
    hive.worker.drain()
    kind = "supervised_classification"
    body = TaskCreate(
        task_type=kind, dataset_id=dataset_id, estimation_procedure_id=default_procedure(kind).id
    )
    with transaction(hive.sessions) as session:
        task, _ = tasks.create(session, hive.store, hive.settings, actor, body)
        return task.id


def open_request(hive: Hive, actor: Actor, target: str, **body: Any) -> int:
    """Open a merge request on ``target``; its number."""
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, actor, target)
        made = model_requests.open_request(
            session, actor, repo, MergeRequestCreate.model_validate(body)
        )
        return made.number
