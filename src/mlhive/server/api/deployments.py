"""Native REST routes of deployments: create, read, list, and call them.

``POST /api/deployments/{name}/predict`` takes mlhive's shapes (``rows``, ``columns`` +
``data``, ``inputs``); ``POST /api/deployments/{name}/invocations`` takes MLflow's
(``dataframe_split``, ``dataframe_records``, ``inputs``, ``instances``), so existing MLflow
callers work. Every call that reaches a deployment is counted, failed ones as errors too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, status

from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import DomainError
from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.params import Offset
from mlhive.server.http.serving import flush_counts
from mlhive.server.services.serving import deployments
from mlhive.server.services.serving import predict as serving
from mlhive.server.wiring import Hive
from mlhive.wire.serving import (
    DeploymentCreate,
    DeploymentOut,
    Invocation,
    PredictOut,
    PredictRequest,
)

router = APIRouter(prefix="/deployments", tags=["deployments"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: DeploymentCreate, actor: RequiredActor, hive: HiveDep) -> DeploymentOut:
    """Deploy ``repo@alias`` (following the alias) or one fixed commit, owned by the caller."""
    with write(hive) as session:
        return deployments.describe(session, deployments.create(session, actor, body))


@router.get("")
def list_deployments(
    actor: MaybeActor,
    hive: HiveDep,
    repo: Annotated[str | None, Query(max_length=200, description="owner/name")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[DeploymentOut]:
    """Deployments the caller may see, by name, with their current commit and counts."""
    flush_counts(hive, force=True)
    with read(hive) as session:
        rows = deployments.list_deployments(session, actor, repo, limit, offset)
        return [deployments.describe(session, d) for d in rows]


@router.get("/{name}")
def get(name: str, actor: MaybeActor, hive: HiveDep) -> DeploymentOut:
    """One deployment: what it serves, the commit answering now, calls and failed calls."""
    flush_counts(hive, force=True)
    with read(hive) as session:
        return deployments.describe(session, deployments.get(session, actor, name))


def _call(
    hive: Hive, actor: Actor | None, name: str, run: Callable[[serving.Served], PredictOut]
) -> PredictOut:
    """Answer one call and count it (a failure once the deployment is found counts as one)."""
    with read(hive) as session:
        found = deployments.target(session, actor, name)
        try:
            served = serving.ready(session, hive.store, hive.serving, found)
        except DomainError:
            hive.serving.tally.add(found.deployment_id, failed=True)
            raise
    try:
        answer = run(served)
    except DomainError:
        hive.serving.tally.add(found.deployment_id, failed=True)
        raise
    hive.serving.tally.add(found.deployment_id, failed=False)
    flush_counts(hive)
    return answer


@router.post("/{name}/predict")
def predict(name: str, body: PredictRequest, actor: MaybeActor, hive: HiveDep) -> PredictOut:
    """Predict rows with the deployment's current commit; the answer names that commit.

    Inputs are checked against the model's input schema: a missing, unknown or mistyped
    column is a 422 naming it. Private deployments answer their owner's key only.
    """
    return _call(hive, actor, name, lambda served: serving.predict(served, body))


@router.post("/{name}/invocations")
def invocations(name: str, body: Invocation, actor: MaybeActor, hive: HiveDep) -> PredictOut:
    """MLflow's scoring call: the same prediction, for MLflow's input shapes."""
    return _call(hive, actor, name, lambda served: serving.invoke(served, body))
