"""Run use cases: submit (validated against the task's splits; nothing stored on a 4xx),
read, list, tag, delete. Scores are computed by the ``evaluate_run`` job, never taken
from the uploader."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
from sqlalchemy import ColumnElement, Select, delete, exists, func, not_, select, true, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from mlhive.formats.tables import FormatError, read_table
from mlhive.server.config import Settings
from mlhive.server.db.queries.access import visible
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import (
    CollectionRun,
    Evaluation,
    Reproduction,
    Run,
    RunTag,
    Task,
)
from mlhive.server.domain.access import Actor, require_owner
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound
from mlhive.server.domain.experiments.measure_names import main_measure
from mlhive.server.domain.experiments.predictions import read_predictions, validate_predictions
from mlhive.server.jobs import queue
from mlhive.server.services import activity, blobs
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import flows, leaderboards, tasks
from mlhive.server.services.tagging import RUN_TAGS
from mlhive.server.storage import BlobInfo, BlobStore
from mlhive.wire.errors import ErrorCode
from mlhive.wire.reproductions import ReproductionCounts
from mlhive.wire.runs import RunCreate, RunPage, RunSummary

EVALUATE_JOB = "evaluate_run"


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a run upload."""

    handle: BinaryIO
    filename: str | None


def _format_of(upload: UploadedFile, what: str) -> str:
    name = (upload.filename or "").lower()
    if name.endswith(".arff"):
        return "arff"
    if name.endswith((".parquet", ".pq")) or not name:
        return "parquet"
    raise InvalidInput(
        f"{what}: send Parquet (.parquet) or ARFF (.arff), not {upload.filename!r}",
        code=ErrorCode.UNSUPPORTED_FORMAT,
        field=what,
    )


def _checked_predictions(store: BlobStore, task: Task, upload: UploadedFile) -> pa.Table:
    table = read_predictions(upload.handle, _format_of(upload, "predictions"))  # type: ignore[arg-type]
    splits = load_table(store, task.splits_sha256)
    validate_predictions(
        table,
        splits,
        task_type=task.task_type,
        class_labels=task.class_labels,
        number_of_rows=task.number_of_rows,
    )
    return table


def _checked_trace(upload: UploadedFile) -> pa.Table:
    try:
        table = read_table(upload.handle, _format_of(upload, "trace"))  # type: ignore[arg-type]
    except FormatError as exc:
        raise InvalidInput(f"trace: {exc}", code=ErrorCode(exc.code), field="trace") from exc
    missing = {"repeat", "fold", "iteration", "evaluation", "selected"} - set(table.column_names)
    if missing:
        raise InvalidInput(f"trace: missing columns {', '.join(sorted(missing))}", field="trace")
    return table


def submit(
    session: Session,
    store: BlobStore,
    settings: Settings,
    actor: Actor,
    body: RunCreate,
    predictions: UploadedFile | None,
    trace: UploadedFile | None = None,
) -> Run:
    """Validate and store a run; a successful one is queued for evaluation by the server."""
    task = tasks.get(session, actor, body.task_id)
    flow = flows.get(session, body.flow_id)
    resolved = flows.resolve_settings(session, flow.id, body.parameter_settings)
    if body.error_message is None and predictions is None:
        raise InvalidInput(
            "predictions: a run needs a predictions file (or an error_message if it failed)",
            field="predictions",
        )
    scratch = settings.data_dir / "tmp"
    stored: dict[str, BlobInfo] = {}
    if body.error_message is None and predictions is not None:
        checked = _checked_predictions(store, task, predictions)
        stored["predictions"] = blobs.store_table(store, checked, scratch)
    if trace is not None:
        stored["trace"] = blobs.store_table(store, _checked_trace(trace), scratch)
    # ARFF files (OpenML's) are also kept as they came, to be served back byte for byte.
    for kind, upload in (("predictions", predictions), ("trace", trace)):
        if kind in stored and upload is not None and _format_of(upload, kind) == "arff":
            stored[f"{kind}_file"] = blobs.keep_upload(store, upload.handle)[0]
    for info in stored.values():
        blobs.remember_blob(session, info)
    setup = flows.setup_for(session, flow.id, resolved)
    run = Run(
        task_id=task.id,
        flow_id=flow.id,
        setup_id=setup.id,
        uploader_id=actor.id,
        state="failed" if body.error_message is not None else "pending",
        error_message=body.error_message,
        predictions_sha256=stored["predictions"].sha256 if "predictions" in stored else None,
        trace_sha256=stored["trace"].sha256 if "trace" in stored else None,
        predictions_file_sha256=_sha_of(stored, "predictions_file"),
        trace_file_sha256=_sha_of(stored, "trace_file"),
        fold_timings=[t.model_dump() for t in body.fold_timings],
        client_measures=body.client_measures,
        setup_string=body.setup_string,
    )
    session.add(run)
    session.flush()
    for tag in dict.fromkeys(body.tags):
        session.add(RunTag(run_id=run.id, tag=tag, tagger_id=actor.id))
    if run.state == "pending":
        queue.enqueue(
            session, EVALUATE_JOB, {"run_id": run.id}, subject=f"run:{run.id}", owner=actor.id
        )
    session.flush()
    activity.record(
        session,
        actor.id,
        "run.uploaded",
        "run",
        run.id,
        extra={"task_id": task.id, "flow": flow.name},
        owners=[task.uploader_id],
        watchers_of=[("task", task.id), ("flow", flow.id)],
        watch_own=True,
    )
    return run


def _sha_of(stored: dict[str, BlobInfo], kind: str) -> str | None:
    return stored[kind].sha256 if kind in stored else None


def get(session: Session, actor: Actor | None, run_id: int) -> Run:
    """A run whose task the actor may see."""
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"run {run_id} not found")
    try:
        tasks.get(session, actor, run.task_id)
    except NotFound:
        raise NotFound(f"run {run_id} not found") from None
    return run


@dataclass(frozen=True)
class RunOrigin:
    """Who uploaded a run, and the setup string the uploader's software wrote: what OpenML's
    run documents show besides the wire description."""

    uploader_id: int
    setup_string: str


def origin(session: Session, actor: Actor | None, run_id: int) -> RunOrigin:
    """The origin of a run the actor may see (NotFound as :func:`get`)."""
    run = get(session, actor, run_id)
    return RunOrigin(uploader_id=run.uploader_id, setup_string=run.setup_string)


def visible_runs(
    actor: Actor | None, task_id: ColumnElement[int] | InstrumentedAttribute[int] | None = None
) -> ColumnElement[bool]:
    """Runs on tasks over datasets the actor may see (as SQL, for lists).

    ``task_id`` is the task column to test (default ``runs.task_id``); a table that copies
    its run's task (``evaluations``) passes its own and needs no join to ``runs``.
    """
    if actor is not None and actor.is_admin:
        return true()
    hidden = (
        select(Task.id)
        .join(Dataset, Dataset.id == Task.dataset_id)
        .where(not_(visible(actor, Dataset.uploader_id, Dataset.visibility)))
    )
    return (Run.task_id if task_id is None else task_id).not_in(hidden)


@dataclass(frozen=True)
class RunQuery:
    task_ids: tuple[int, ...] = ()
    flow_ids: tuple[int, ...] = ()
    setup_ids: tuple[int, ...] = ()
    uploader: str | None = None
    tag: str | None = None
    study_id: int | None = None
    limit: int = 100
    cursor: int | None = None
    offset: int = 0
    run_ids: tuple[int, ...] = ()
    uploader_ids: tuple[int, ...] = ()


def query(q: RunQuery, actor: Actor | None) -> Select[Run]:
    """The SELECT of one page of runs (keyset on id)."""
    stmt = select(Run).where(visible_runs(actor))
    for column, values in (
        (Run.task_id, q.task_ids),
        (Run.flow_id, q.flow_ids),
        (Run.setup_id, q.setup_ids),
        (Run.id, q.run_ids),
        (Run.uploader_id, q.uploader_ids),
    ):
        if values:
            stmt = stmt.where(column.in_(values))
    if q.uploader is not None:
        stmt = stmt.where(
            Run.uploader_id == select(User.id).where(User.name == q.uploader).scalar_subquery()
        )
    if q.tag is not None:
        stmt = stmt.where(exists().where(RunTag.run_id == Run.id, RunTag.tag == q.tag))
    if q.study_id is not None:
        stmt = stmt.where(
            exists().where(
                CollectionRun.run_id == Run.id, CollectionRun.collection_id == q.study_id
            )
        )
    if q.cursor is not None:
        stmt = stmt.where(Run.id > q.cursor)
    return stmt.order_by(Run.id).offset(q.offset).limit(q.limit)


def list_page(session: Session, q: RunQuery, actor: Actor | None) -> tuple[list[Run], int | None]:
    """One page of runs and the cursor of the next page."""
    rows = list(session.scalars(query(q, actor)))
    return rows, rows[-1].id if len(rows) == q.limit else None


def summaries(session: Session, q: RunQuery, actor: Actor | None) -> RunPage:
    """One page of runs as wire summaries, with their tags."""
    rows, next_cursor = list_page(session, q, actor)
    tags = tags_of(session, [r.id for r in rows])
    scores = main_scores(session, rows)
    items = [
        RunSummary(
            id=r.id,
            task_id=r.task_id,
            flow_id=r.flow_id,
            flow_name=r.flow.name,
            setup_id=r.setup_id,
            uploader=r.uploader.name,
            upload_time=r.upload_time,
            state=r.state,
            tags=tags[r.id],
            measure=scores[r.id][0],
            value=scores[r.id][1],
        )
        for r in rows
    ]
    return RunPage(items=items, next_cursor=str(next_cursor) if next_cursor else None)


def main_scores(session: Session, rows: Sequence[Run]) -> dict[int, tuple[str, float | None]]:
    """Each run's main measure (its task's, see ``main_measure``) and value, in one query."""
    task_ids = {r.task_id for r in rows}
    kinds = session.execute(
        select(Task.id, Task.task_type, Task.evaluation_measures).where(Task.id.in_(task_ids))
    )
    main = {tid: main_measure(kind, list(declared or [])) for tid, kind, declared in kinds}
    values = session.execute(
        select(Evaluation.run_id, Evaluation.measure, Evaluation.value).where(
            Evaluation.run_id.in_([r.id for r in rows]),
            Evaluation.measure.in_(set(main.values())),
        )
    )
    found = {(run_id, measure): value for run_id, measure, value in values}
    return {r.id: (main[r.task_id], found.get((r.id, main[r.task_id]))) for r in rows}


def tags_of(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    """Tags of many runs in one query."""
    return RUN_TAGS.of(session, ids)


def delete_run(session: Session, actor: Actor, run_id: int) -> None:
    """Delete a run (uploader or admin) unless a study holds it."""
    run = get(session, actor, run_id)
    require_owner(actor, run.uploader_id, f"run {run_id}")
    if session.scalar(
        select(CollectionRun.collection_id).where(CollectionRun.run_id == run.id).limit(1)
    ):
        raise Conflict(f"run {run_id} belongs to a study; detach it first")
    leaderboards.withdraw_run(session, run.id)
    session.execute(delete(RunTag).where(RunTag.run_id == run.id))
    # Its reproductions go with it; a reproduction it was keeps its outcome, without the link.
    session.execute(delete(Reproduction).where(Reproduction.run_id == run.id))
    session.execute(
        update(Reproduction)
        .where(Reproduction.reproduction_run_id == run.id)
        .values(reproduction_run_id=None)
    )
    activity.forget(session, "run", run.id)
    session.delete(run)
    session.flush()


FINISHED_REPRODUCTIONS = ("reproduced", "differs", "failed")


def reproduction_counts(session: Session, ids: Iterable[int]) -> dict[int, ReproductionCounts]:
    """How the reproductions of many runs came out, in one query (every id gets a row)."""
    wanted = list(ids)
    counts = {run_id: ReproductionCounts() for run_id in wanted}
    if not wanted:
        return counts
    rows = session.execute(
        select(Reproduction.run_id, Reproduction.state, func.count())
        .where(Reproduction.run_id.in_(wanted), Reproduction.state.in_(FINISHED_REPRODUCTIONS))
        .group_by(Reproduction.run_id, Reproduction.state)
    )
    for run_id, state, count in rows:
        setattr(counts[run_id], state, int(count))
    return counts


def reproduced_runs() -> ColumnElement[bool]:
    """Runs with at least one reproduction that came out ``reproduced`` (as SQL)."""
    return exists().where(Reproduction.run_id == Run.id, Reproduction.state == "reproduced")
