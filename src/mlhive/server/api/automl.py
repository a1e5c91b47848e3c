"""Native REST routes of AutoML searches: a thin adapter onto the automl services."""

from __future__ import annotations

from fastapi import APIRouter, status

from mlhive.server.http.deps import HiveDep, RequiredActor, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services.automl import automl as service
from mlhive.wire.automl import AutoMLCreate, AutoMLOut

router = APIRouter(prefix="/automl", tags=["automl"])


@router.post("", status_code=status.HTTP_202_ACCEPTED)
def start_automl(body: AutoMLCreate, actor: RequiredActor, hive: HiveDep) -> AutoMLOut:
    """Queue an AutoML search on a task: scikit-learn pipelines searched with Optuna under a
    wall-clock budget and a per-trial memory limit; every complete trial becomes a run, the
    best are combined by ensemble selection and the ensemble is pushed to the forge. Poll
    ``GET /api/automl/{id}`` for its progress."""
    with write(hive) as session:
        return service.describe(session, service.submit(session, actor, body))


@router.get("/{search_id}")
def get_automl(search_id: ObjectId, actor: RequiredActor, hive: HiveDep) -> AutoMLOut:
    """An AutoML search of yours: its state, trials (with time, peak memory and failures),
    the best trial, the ensemble and its score, the study and the forge commit."""
    with read(hive) as session:
        return service.describe(session, service.get(session, actor, search_id))
