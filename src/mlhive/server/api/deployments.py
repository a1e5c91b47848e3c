"""Native REST routes of deployments: create, read, list, monitor and call them.

``POST /api/deployments/{name}/predict`` takes mlhive's shapes (``rows``, ``columns`` +
``data``, ``inputs``); ``POST /api/deployments/{name}/invocations`` takes MLflow's
(``dataframe_split``, ``dataframe_records``, ``inputs``, ``instances``), so existing MLflow
callers work. Every call that reaches a deployment is counted, failed ones as errors too.

Calls are answered first by :class:`mlhive.server.api.serving_path.FastPredict` (no
dependency solving, recent lookups kept for a second); whatever it does not answer itself (a
refused key, an unknown or hidden deployment, a model not loaded yet, bad inputs) comes here,
so every failure is answered and counted in one place.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, status

from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import DomainError
from mlhive.server.domain.serving.inputs import Table
from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.params import Offset
from mlhive.server.http.serving import counted, pending
from mlhive.server.services.serving import deployments, metrics
from mlhive.server.services.serving import predict as serving
from mlhive.server.wiring import Hive
from mlhive.wire.serving import (
    DeploymentCreate,
    DeploymentMetrics,
    DeploymentOut,
    Invocation,
    PredictOut,
    PredictRequest,
)

router = APIRouter(prefix="/deployments", tags=["deployments"])
calls = APIRouter(prefix="/deployments", tags=["deployments"])
"""The calls of deployments (also all that ``mlhive serve-models`` serves)."""


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
    with counted(hive) as session:
        rows = deployments.list_deployments(session, actor, repo, limit, offset)
        return [deployments.describe(session, d, pending(hive, d.id)[0]) for d in rows]


@router.get("/{name}")
def get(name: str, actor: MaybeActor, hive: HiveDep) -> DeploymentOut:
    """One deployment: what it serves, the commit answering now, calls and failed calls."""
    with counted(hive) as session:
        found = deployments.get(session, actor, name)
        return deployments.describe(session, found, pending(hive, found.id)[0])


@router.get("/{name}/metrics")
def get_metrics(name: str, actor: MaybeActor, hive: HiveDep) -> DeploymentMetrics:
    """Calls, failed calls, answer-time percentiles and the input drift summary: per column,
    the share of missing values and the mean (numbers) or value shares (text) of what the
    deployment was given, next to the same figures of its commit's training data."""
    with counted(hive) as session:
        found = deployments.get(session, actor, name)
        counts, recorded = pending(hive, found.id)
        return metrics.summary(session, actor, found, recorded, counts)


def _call(
    hive: Hive,
    actor: Actor | None,
    name: str,
    checked: Callable[[serving.Served], Table],
    probabilities: bool,
) -> PredictOut:
    """Answer one call and count it (a failure once the deployment is found counts as one)."""
    start = time.perf_counter()
    with read(hive) as session:
        found = deployments.target(session, actor, name)
        try:
            served = serving.ready(session, hive.store, hive.serving, found)
        except DomainError:
            hive.serving.tally.add(found.deployment_id, failed=True)
            raise
    try:
        table = checked(served)
        answer = serving.answer(served, table, probabilities)
    except DomainError:
        hive.serving.tally.add(found.deployment_id, failed=True)
        raise
    hive.serving.tally.add(found.deployment_id, failed=False)
    elapsed = (time.perf_counter() - start) * 1000
    hive.serving.monitor.record(found.deployment_id, elapsed, table, served.model.schema)
    return answer


@calls.post("/{name}/predict")
def predict(name: str, body: PredictRequest, actor: MaybeActor, hive: HiveDep) -> PredictOut:
    """Predict rows with the deployment's current commit; the answer names that commit.

    Inputs are checked against the model's input schema: a missing, unknown or mistyped
    column is a 422 naming it. Private deployments answer their owner's key only.
    """
    return _call(
        hive,
        actor,
        name,
        lambda served: serving.request_table(served, body),
        body.probabilities,
    )


@calls.post("/{name}/invocations")
def invocations(name: str, body: Invocation, actor: MaybeActor, hive: HiveDep) -> PredictOut:
    """MLflow's scoring call: the same prediction, for MLflow's input shapes."""
    return _call(hive, actor, name, lambda served: serving.invocation_table(served, body), False)
