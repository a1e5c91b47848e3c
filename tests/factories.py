"""Factories for tests that call services directly: actors, datasets, flows, model repositories
and commits, each made through the service that makes them in production and committed in a
transaction of its own (as one request would be)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import save

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.services import accounts
from mlhive.server.services.datasets import catalog
from mlhive.server.services.forge import commits, repos
from mlhive.server.wiring import Hive
from mlhive.wire.datasets import DatasetCreate
from mlhive.wire.flows import FlowComponentCreate, FlowCreate, FlowParameter
from mlhive.wire.models import CommitCreate, RepoCreate
from tests.conftest import UserKey

PEOPLE_CSV = (
    "age,colour,height,label\n"
    "31,red,1.71,yes\n"
    "45,blue,,no\n"
    "27,red,1.62,yes\n"
    ",green,1.80,no\n"
    "52,blue,1.75,yes\n"
    "38,red,1.68,no\n"
)

_RNG = np.random.default_rng(11)
_X = _RNG.normal(size=(40, 2))
CLASSIFICATION_CSV = "x1,x2,label\n" + "".join(
    f"{a:.4f},{b:.4f},{'yes' if a + b > 0 else 'no'}\n" for a, b in _X
)


def actor_of(hive: Hive, user: UserKey) -> Actor:
    """The actor a request with this user's key acts as (authenticated like the API does)."""
    with transaction(hive.sessions) as session:
        return accounts.key_actor(session, user.key)


def publish(
    hive: Hive,
    actor: Actor,
    csv: str = PEOPLE_CSV,
    *,
    filename: str = "data.csv",
    **meta: Any,
) -> int:
    """Publish ``csv`` as a dataset (``name="people"``, target ``label`` unless given); its id."""
    body = DatasetCreate.model_validate(
        {"name": "people", "default_target_attribute": "label", **meta}
    )
    with transaction(hive.sessions) as session:
        dataset = catalog.publish(
            session, hive.store, hive.settings, actor, io.BytesIO(csv.encode()), filename, body
        )
        return dataset.id


def flow_body(
    name: str = "sklearn.tree.DecisionTreeClassifier",
    version: str = "sklearn==1.5",
    *,
    parameters: tuple[str, ...] = ("max_depth",),
    components: dict[str, FlowCreate] | None = None,
    tags: tuple[str, ...] = (),
) -> FlowCreate:
    """A flow description with ``parameters`` (no defaults) and named ``components``."""
    return FlowCreate(
        name=name,
        external_version=version,
        parameters=[FlowParameter(name=p) for p in parameters],
        components=[
            FlowComponentCreate(identifier=identifier, flow=flow)
            for identifier, flow in (components or {}).items()
        ],
        tags=list(tags),
    )


def make_repo(hive: Hive, actor: Actor, name: str = "net", **fields: Any) -> str:
    """Create a model repository owned by ``actor``; its ``owner/name``."""
    with transaction(hive.sessions) as session:
        repo = repos.create_repo(
            session, actor, RepoCreate.model_validate({"name": name, **fields})
        )
        return repo.full_name


def fork_repo(hive: Hive, actor: Actor, source: str) -> str:
    """Fork ``source`` into the actor's namespace; the fork's ``owner/name``."""
    with transaction(hive.sessions) as session:
        original = repos.get_by_full_name(session, actor, source)
        return repos.fork(session, actor, original, None, None).full_name


def push_tensors(
    hive: Hive, actor: Actor, full_name: str, *, seed: int = 0, branch: str = "main"
) -> str:
    """Push a small random safetensors model to ``branch``; the new commit's id."""
    rng = np.random.default_rng(seed)
    data = save({"layer.weight": rng.normal(size=8).astype(np.float32)})
    scratch = hive.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".safetensors", delete=False) as tmp:
        tmp.write(data)
    path = Path(tmp.name)
    meta = CommitCreate(branch=branch, message=f"weights {seed}")
    try:
        ingested = commits.ingest(hive.store, path, "model.safetensors", meta, 10_000)
    finally:
        path.unlink(missing_ok=True)
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, actor, full_name)
        return commits.push(session, actor, repo, ingested, meta).sha
