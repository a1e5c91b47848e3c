"""Native REST routes of reproductions: a run re-run from its setup (or a linked re-run)."""

from __future__ import annotations

from fastapi import APIRouter, status

from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services.automl import reproductions as service
from mlhive.wire.reproductions import ReproductionCreate, ReproductionOut, ReproductionPage

router = APIRouter(tags=["runs"])


@router.post("/runs/{run_id}/reproductions", status_code=status.HTTP_202_ACCEPTED)
def reproduce_run(
    run_id: ObjectId, body: ReproductionCreate, actor: RequiredActor, hive: HiveDep
) -> ReproductionOut:
    """Ask the server to reproduce a run you may see: it rebuilds the run's flow with its
    setup's values, refits it on every fold of the same task, scores the re-run and compares
    each measure with the original within ``tolerance`` (default 1e-9). Poll
    ``GET /api/reproductions/{id}`` for the outcome. Asking again while yours is queued or
    running returns that one.

    With ``run_id``, links a run of your own (same task, same setup, evaluated) as a
    reproduction instead, compared at once."""
    with write(hive) as session:
        return service.describe(session, service.request(session, actor, run_id, body))


@router.get("/runs/{run_id}/reproductions")
def list_reproductions(run_id: ObjectId, actor: MaybeActor, hive: HiveDep) -> ReproductionPage:
    """The reproductions of a run, newest first, each with how much every measure differs."""
    with read(hive) as session:
        rows = service.list_for(session, actor, run_id)
        return ReproductionPage(items=[service.describe(session, row) for row in rows])


@router.get("/reproductions/{reproduction_id}")
def get_reproduction(
    reproduction_id: ObjectId, actor: MaybeActor, hive: HiveDep
) -> ReproductionOut:
    """A reproduction: its state, each measure's original and re-run value, and its log."""
    with read(hive) as session:
        return service.describe(session, service.get(session, actor, reproduction_id))
