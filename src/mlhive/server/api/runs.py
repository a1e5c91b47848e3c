"""Native REST routes for runs, evaluations, leaderboards and run comparisons."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status

from mlhive.server.api.openapi import file_responses
from mlhive.server.api.params import parse_form_json
from mlhive.server.api.tagging import tag_routes
from mlhive.server.domain.errors import NotFound
from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.files import send_blob
from mlhive.server.http.params import ObjectId, Offset
from mlhive.server.http.prepared import json_response
from mlhive.server.services.experiments import comparison, evaluations, runs, scoring
from mlhive.server.services.experiments.runs import UploadedFile
from mlhive.wire.runs import (
    EvaluationPage,
    Leaderboard,
    LeaderboardGroup,
    RunComparison,
    RunCreate,
    RunOut,
    RunPage,
)

PARQUET = "application/vnd.apache.parquet"
router = APIRouter(tags=["runs"])
Ids = Annotated[list[ObjectId], Query()]


@router.post("/runs", status_code=status.HTTP_201_CREATED)
def submit_run(
    description: Annotated[str, Form(min_length=1, description="JSON object: see RunCreate")],
    actor: RequiredActor,
    hive: HiveDep,
    predictions: Annotated[UploadFile | None, File(description="Parquet or ARFF")] = None,
    trace: Annotated[UploadFile | None, File(description="optimisation trace")] = None,
) -> RunOut:
    """Upload a run; the server validates the predictions and evaluates them in the background."""
    body = parse_form_json(RunCreate, description, "description")
    with write(hive) as session:
        run = runs.submit(
            session,
            hive.store,
            hive.settings,
            actor,
            body,
            UploadedFile(predictions.file, predictions.filename) if predictions else None,
            UploadedFile(trace.file, trace.filename) if trace else None,
        )
        return scoring.describe(session, run)


@router.get("/runs")
def list_runs(
    actor: MaybeActor,
    hive: HiveDep,
    task: Ids = [],
    flow: Ids = [],
    setup: Ids = [],
    uploader: str | None = None,
    tag: str | None = None,
    study: ObjectId | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    cursor: ObjectId | None = None,
    offset: Annotated[Offset, Query()] = 0,
) -> RunPage:
    """List runs (filter by task, flow, setup, uploader, tag, study)."""
    query = runs.RunQuery(
        task_ids=tuple(task),
        flow_ids=tuple(flow),
        setup_ids=tuple(setup),
        uploader=uploader,
        tag=tag,
        study_id=study,
        limit=limit,
        cursor=cursor,
        offset=offset,
    )
    with read(hive) as session:
        return runs.summaries(session, query, actor)


@router.get("/runs/compare")
def compare_runs(
    actor: MaybeActor, hive: HiveDep, run: Ids, measure: str = "predictive_accuracy"
) -> RunComparison:
    """Selected runs side by side: parameter values (with readable names) and per-fold scores
    of ``measure``."""
    with read(hive) as session:
        return comparison.compare(session, actor, run, measure)


# ``:int``: ``/runs/compare`` is no run id, so ``DELETE /api/runs/compare`` answers 405 (the
# path takes GET only) instead of reaching ``delete_run`` with a 422.
RUN = "/runs/{run_id:int}"


MAX_WAIT_SECONDS = 20.0
Wait = Annotated[
    float,
    Query(
        ge=0,
        le=MAX_WAIT_SECONDS,
        description="Seconds a pending run may be held until the server has evaluated it "
        "(a long poll: the answer comes as soon as its evaluation ends); 0 answers at once.",
    ),
]


@router.get(RUN)
def get_run(run_id: ObjectId, actor: MaybeActor, hive: HiveDep, wait: Wait = 0) -> RunOut:
    """A run with its parameter values, timings and the server's evaluations.

    With ``wait``, a pending run is answered once its evaluation has ended (or after ``wait``
    seconds, still pending). When many requests already wait, this one answers at once.
    """
    finished = hive.jobs_finished
    deadline = time.monotonic() + wait
    holding = wait > 0 and hive.long_polls.acquire(blocking=False)
    try:
        while True:
            rings = finished.mark()  # a job that ends from now on wakes the wait below
            with read(hive) as session:
                out = scoring.describe(session, runs.get(session, actor, run_id))
            left = deadline - time.monotonic()
            if not holding or out.state != "pending" or left <= 0:
                return out
            # Rung when any job ends; the poll catches a worker in another process on SQLite.
            finished.wait(rings, min(left, hive.settings.worker_poll_seconds))
    finally:
        if holding:
            hive.long_polls.release()


@router.get(
    "/runs/{run_id}/predictions", response_class=Response, responses=file_responses(PARQUET)
)
def get_predictions(
    run_id: ObjectId, request: Request, actor: MaybeActor, hive: HiveDep
) -> Response:
    """The run's predictions as Parquet."""
    with read(hive) as session:
        run = runs.get(session, actor, run_id)
        sha = run.predictions_sha256
    if sha is None:
        raise NotFound(f"run {run_id} has no predictions (it failed)")
    return send_blob(
        request,
        hive.store,
        sha,
        f"run-{run_id}-predictions.parquet",
        PARQUET,
    )


@router.get("/runs/{run_id}/trace", response_class=Response, responses=file_responses(PARQUET))
def get_trace(run_id: ObjectId, request: Request, actor: MaybeActor, hive: HiveDep) -> Response:
    """The run's hyper-parameter optimisation trace as Parquet."""
    with read(hive) as session:
        sha = runs.get(session, actor, run_id).trace_sha256
    if sha is None:
        raise NotFound(f"run {run_id} has no trace")
    return send_blob(request, hive.store, sha, f"run-{run_id}-trace.parquet", PARQUET)


router.include_router(tag_routes("run", "/runs"))


@router.delete(RUN, status_code=status.HTTP_204_NO_CONTENT)
def delete_run(run_id: ObjectId, actor: RequiredActor, hive: HiveDep) -> Response:
    """Delete a run (uploader or admin)."""
    with write(hive) as session:
        runs.delete_run(session, actor, run_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/evaluations", response_model=EvaluationPage)
def list_evaluations(
    actor: MaybeActor,
    hive: HiveDep,
    measure: str | None = None,
    task: Ids = [],
    flow: Ids = [],
    setup: Ids = [],
    run: Ids = [],
    uploader: str | None = None,
    study: ObjectId | None = None,
    sort: Literal["asc", "desc"] | None = None,
    per_fold: bool = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    cursor: str | None = None,
    offset: Annotated[Offset, Query()] = 0,
) -> Response:
    """Server-computed evaluations, filtered, optionally sorted by value, paginated."""
    query = evaluations.EvaluationQuery(
        measure=measure,
        task_ids=tuple(task),
        flow_ids=tuple(flow),
        setup_ids=tuple(setup),
        run_ids=tuple(run),
        uploader=uploader,
        study_id=study,
        sort=sort,
        per_fold=per_fold,
        limit=limit,
        cursor=cursor,
        offset=offset,
    )
    with read(hive) as session:
        items, next_cursor = evaluations.list_rows(session, query, actor)
    return json_response({"items": items, "next_cursor": next_cursor})


@router.get("/tasks/{task_id}/leaderboard", response_model=Leaderboard)
def leaderboard(
    task_id: ObjectId,
    actor: MaybeActor,
    hive: HiveDep,
    measure: Annotated[
        str | None, Query(description="a measure of the task's type (default: its main one)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    by: Annotated[LeaderboardGroup, Query(description="best run per flow or per setup")] = "flow",
    reproduced: Annotated[
        bool,
        Query(description="only runs reproduced at least once (GET /api/runs/{id}/reproductions)"),
    ] = False,
) -> Response:
    """The best run of each flow (or setup) on the task for ``measure``; an unknown measure is
    refused (422) with the task type's measures named. With ``reproduced=true``, the best
    reproduced run of each."""
    with read(hive) as session:
        board = evaluations.leaderboard_data(
            session, actor, task_id, measure, limit, by, reproduced
        )
    return json_response(board)
