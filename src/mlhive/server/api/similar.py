"""Native REST route for similar datasets: a thin adapter onto the automl services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mlhive.server.api.openapi import problem_response
from mlhive.server.http.deps import HiveDep, MaybeActor, read
from mlhive.server.http.params import ObjectId
from mlhive.server.services.automl import similar as service
from mlhive.wire.automl import SimilarDataset

router = APIRouter(prefix="/datasets", tags=["automl"])


# A read that can still conflict: the dataset has no qualities yet (not_processed).
@router.get("/{dataset_id}/similar", responses={409: problem_response(409)})
def similar_datasets(
    dataset_id: ObjectId,
    actor: MaybeActor,
    hive: HiveDep,
    k: Annotated[
        int, Query(ge=1, le=service.MAX_K, description="How many neighbours (1 to 100).")
    ] = 10,
) -> list[SimilarDataset]:
    """The ``k`` datasets you may see that are most similar by their meta-features (OpenML
    qualities), near-duplicates first, each with its distance and the qualities that make
    it similar; 409 ``not_processed`` while the dataset has no qualities yet."""
    with read(hive) as session:
        return service.similar(session, hive.meta_index, actor, dataset_id, k)
