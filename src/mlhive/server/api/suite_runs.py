"""Native REST routes of benchmark-suite runs: a flow or AutoML on every task of a suite."""

from __future__ import annotations

from fastapi import APIRouter, status

from mlhive.server.http.deps import HiveDep, RequiredActor, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services.automl import suite_runs as service
from mlhive.wire.suite_runs import SuiteRunCreate, SuiteRunOut, SuiteRunPage

router = APIRouter(prefix="/suites", tags=["suites and studies"])


@router.post("/{ref}/runs", status_code=status.HTTP_202_ACCEPTED)
def start_suite_run(
    ref: str, body: SuiteRunCreate, actor: RequiredActor, hive: HiveDep
) -> SuiteRunOut:
    """Queue one job that runs a flow (``flow_id``, optionally a ``setup_id``'s values) or an
    AutoML search (``automl``: a budget per task) on every task of the suite you may see. Each
    task's result becomes a run on it, scored by the server; the runs are collected in a study.
    Poll ``GET /api/suites/{ref}/runs/{id}`` for the progress."""
    with write(hive) as session:
        return service.describe(session, service.submit(session, actor, ref, body))


@router.get("/{ref}/runs")
def list_suite_runs(ref: str, actor: RequiredActor, hive: HiveDep) -> SuiteRunPage:
    """Your runs of the suite, newest first (at most 100)."""
    with read(hive) as session:
        rows = service.list_for(session, actor, ref)
        return SuiteRunPage(items=[service.describe(session, row) for row in rows])


@router.get("/{ref}/runs/{run_id}")
def get_suite_run(ref: str, run_id: ObjectId, actor: RequiredActor, hive: HiveDep) -> SuiteRunOut:
    """A run of yours on the suite: its state, each task's state, run and score, and how many
    tasks are done or failed of the total."""
    with read(hive) as session:
        return service.describe(session, service.get(session, actor, ref, run_id))
