"""Demo models: two model repositories on the demo tasks, made through the forge's services.

- ``iris-classifier``: scikit-learn pipelines (skops) on the iris task, gated by a merge rule on
  accuracy and by model checks (schema, degenerate answers, ONNX parity) before promotion; a
  tag, an experiment branch, and a fork whose change is proposed back as a merge request that
  the server evaluates on the task.
- ``diabetes-mlp``: a small network's weights (safetensors) on the diabetes task, trained over
  a few commits, fine-tuned on a branch and merged back by weight averaging.

Idempotent: a repository that exists is left as it is.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio  # type: ignore[import-untyped]
from safetensors.numpy import save
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import select

from mlhive.formats.tables import to_pandas
from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Task
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import NotFound
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.forge import commits, merges, repos
from mlhive.server.services.forge import requests as model_requests
from mlhive.server.services.serving import modelci
from mlhive.server.wiring import Hive
from mlhive.wire.models import (
    CommitCreate,
    MergeCreate,
    MergeRequestCreate,
    MergeSource,
    RepoCreate,
)
from mlhive.wire.serving import ModelChecksConfig

CLASSIFIER, NETWORK, LAB = "iris-classifier", "diabetes-mlp", "iris-classifier-lab"
CARD_TEXT = """# Iris classifier

A standardised logistic regression on Fisher's iris measurements.

| split | what |
|---|---|
| 10-fold CV | the demo task's stored splits |

Merge requests must not lose more than one accuracy point on the linked task."""


def load_models(
    hive: Hive,
    actor: Actor,
    dataset_ids: list[int],
    report: Callable[[str], None] = lambda _: None,
) -> None:
    """Create the demo model repositories that do not exist yet (needs the demo tasks)."""
    found = _demo_tasks(hive, dataset_ids)
    if "iris" in found and not _exists(hive, actor, CLASSIFIER):
        _classifier(hive, actor, found["iris"])
        report(f"model repository {actor.name}/{CLASSIFIER} made (commits, merge request)")
    if "diabetes" in found and not _exists(hive, actor, NETWORK):
        _network(hive, actor, found["diabetes"])
        report(f"model repository {actor.name}/{NETWORK} made")
    hive.worker.drain()


def _demo_tasks(
    hive: Hive, dataset_ids: list[int]
) -> dict[str, tuple[int, pd.DataFrame, pd.Series]]:
    """The demo's iris and diabetes tasks with their features and target."""
    with transaction(hive.sessions) as session:
        rows = session.execute(
            select(Dataset.name, Task.id, Task.target, Dataset.data_sha256)
            .join(Task, Task.dataset_id == Dataset.id)
            .where(Dataset.id.in_(dataset_ids), Dataset.name.in_(["iris", "diabetes"]))
            .order_by(Task.id)
        ).all()
    found = {}
    for name, task_id, target, data_sha in rows:
        if name in found or data_sha is None:
            continue
        frame = to_pandas(load_table(hive.store, data_sha))
        found[name] = (task_id, frame.drop(columns=[target]), frame[target])
    return found


def _exists(hive: Hive, actor: Actor, name: str) -> bool:
    with transaction(hive.sessions) as session:
        try:
            repos.get_repo(session, actor, actor.name, name)
        except NotFound:
            return False
        return True


def _create(hive: Hive, actor: Actor, body: RepoCreate) -> None:
    with transaction(hive.sessions) as session:
        repos.create_repo(session, actor, body)


def _push(
    hive: Hive, actor: Actor, repo_name: str, data: bytes, filename: str, meta: CommitCreate
) -> str:
    scratch = hive.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=Path(filename).suffix, delete=False) as f:
        f.write(data)
    path = Path(f.name)
    try:
        limit = hive.settings.max_tensors_per_file
        ingested = commits.ingest(hive.store, path, filename, meta, limit)
    finally:
        path.unlink(missing_ok=True)
    with transaction(hive.sessions) as session:
        repo = repos.get_repo(session, actor, actor.name, repo_name)
        return commits.push(session, actor, repo, ingested, meta).sha


def _pipeline(model: Any, x: pd.DataFrame, y: pd.Series) -> bytes:
    fitted = Pipeline([("scale", StandardScaler()), ("model", model)]).fit(x, y.astype(str))
    data: bytes = sio.dumps(fitted)
    return data


def _classifier(hive: Hive, actor: Actor, task: tuple[int, pd.DataFrame, pd.Series]) -> None:
    task_id, x, y = task
    rules = [{"measure": "predictive_accuracy", "max_drop": 0.01}]
    _create(
        hive,
        actor,
        RepoCreate.model_validate(
            {
                "name": CLASSIFIER,
                "description": "Logistic regression and friends on the iris demo task.",
                "task_ids": [task_id],
                "rules": rules,
            }
        ),
    )
    with transaction(hive.sessions) as session:
        repo = repos.get_repo(session, actor, actor.name, CLASSIFIER)
        checks = {"schema_check": True, "degenerate": True, "onnx_parity": True}
        modelci.set_config(session, actor, repo, ModelChecksConfig.model_validate(checks))
    card = {
        "licence": "BSD-3-Clause",
        "lineage": {"task_id": task_id},
        "text": CARD_TEXT,
        "intended_use": "Teaching and trying out the forge.",
        "limitations": "Three species, 150 flowers: not a botanist.",
    }
    for c, message in ((0.05, "Baseline: strongly regularised"), (1.0, "Weaker regularisation")):
        meta = CommitCreate.model_validate({"message": message, "card": card})
        _push(
            hive, actor, CLASSIFIER, _pipeline(LogisticRegression(C=c), x, y), "model.skops", meta
        )
    with transaction(hive.sessions) as session:
        repo = repos.get_repo(session, actor, actor.name, CLASSIFIER)
        repos.create_ref(session, actor, repo, "tag", "v1", "main")
    forest = RandomForestClassifier(n_estimators=25, max_depth=3, random_state=0)
    meta = CommitCreate.model_validate(
        {"message": "Try a small forest", "branch": "experiment/forest", "card": card}
    )
    _push(hive, actor, CLASSIFIER, _pipeline(forest, x, y), "model.skops", meta)
    with transaction(hive.sessions) as session:
        source = repos.get_repo(session, actor, actor.name, CLASSIFIER)
        repos.fork(session, actor, source, LAB, None)
    meta = CommitCreate.model_validate({"message": "Almost no regularisation", "card": card})
    _push(hive, actor, LAB, _pipeline(LogisticRegression(C=20.0), x, y), "model.skops", meta)
    with transaction(hive.sessions) as session:
        repo = repos.get_repo(session, actor, actor.name, CLASSIFIER)
        body = MergeRequestCreate(
            source_repo=f"{actor.name}/{LAB}",
            source_branch="main",
            title="Less regularisation (C=20)",
            description="Does weaker regularisation keep the accuracy? The evaluation says.",
        )
        model_requests.open_request(session, actor, repo, body)


def _weights(rng: np.random.Generator, n_in: int) -> dict[str, np.ndarray]:
    return {
        "hidden.weight": rng.normal(scale=0.3, size=(16, n_in)).astype(np.float32),
        "hidden.bias": np.zeros(16, dtype=np.float32),
        "out.weight": rng.normal(scale=0.3, size=(1, 16)).astype(np.float32),
        "out.bias": np.zeros(1, dtype=np.float32),
    }


def _network(hive: Hive, actor: Actor, task: tuple[int, pd.DataFrame, pd.Series]) -> None:
    task_id, x, _ = task
    body = RepoCreate(
        name=NETWORK,
        description="A two-layer perceptron's weights for the diabetes regression task.",
        task_ids=[task_id],
    )
    _create(hive, actor, body)
    rng = np.random.default_rng(7)
    weights = _weights(rng, x.shape[1])
    card = {
        "licence": "CC-BY-4.0",
        "task_type": "supervised_regression",
        "lineage": {"task_id": task_id},
        "input_schema": [{"name": str(c), "dtype": "float32", "shape": [None]} for c in x.columns],
        "text": "Weights only: load them into a 2-layer perceptron (16 hidden units, ReLU).",
    }
    steps = [("Initialise", None), ("Epoch 1", "hidden"), ("Epoch 2", "out")]
    for message, layer in steps:
        if layer is not None:
            for key in (f"{layer}.weight", f"{layer}.bias"):
                weights[key] = weights[key] + rng.normal(scale=0.05, size=weights[key].shape)
                weights[key] = weights[key].astype(np.float32)
        meta = CommitCreate.model_validate({"message": message, "card": card})
        _push(hive, actor, NETWORK, save(weights), "model.safetensors", meta)
    tuned = {**weights, "out.weight": (weights["out.weight"] * 1.1).astype(np.float32)}
    meta = CommitCreate.model_validate(
        {"message": "Fine-tune the output layer", "branch": "finetune", "card": card}
    )
    _push(hive, actor, NETWORK, save(tuned), "model.safetensors", meta)
    with transaction(hive.sessions) as session:
        repo = repos.get_repo(session, actor, actor.name, NETWORK)
        merge = MergeCreate(
            method="average",
            sources=[MergeSource(ref="main"), MergeSource(ref="finetune")],
            message="Average main with the fine-tuned output layer",
        )
        merges.request_merge(session, actor, repo, merge)
