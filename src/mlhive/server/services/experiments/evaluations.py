"""Evaluations: filtered, sorted, keyset-paginated lists; leaderboards; run comparisons."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, select, tuple_
from sqlalchemy.orm import Session

from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.experiments import CollectionRun, Evaluation, Flow, Run, Task
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments.measure_names import checked_measure, known_measure
from mlhive.server.domain.experiments.metrics import MEASURES
from mlhive.server.services.experiments import runs, tasks
from mlhive.wire.runs import EvaluationOut, Leaderboard, LeaderboardEntry, LeaderboardGroup


@dataclass(frozen=True)
class EvaluationQuery:
    measure: str | None = None
    task_ids: tuple[int, ...] = ()
    flow_ids: tuple[int, ...] = ()
    setup_ids: tuple[int, ...] = ()
    run_ids: tuple[int, ...] = ()
    uploader: str | None = None
    study_id: int | None = None
    sort: str | None = None  # "asc" / "desc" on value (needs a measure), else by run id
    per_fold: bool = False
    limit: int = 100
    cursor: str | None = None
    offset: int = 0
    uploader_ids: tuple[int, ...] = ()


def _encode(first: Any, second: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([first, second]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, Any]:
    try:
        first, second = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise InvalidInput("cursor: not a cursor this server issued", field="cursor") from None
    return first, second


def _filtered(q: EvaluationQuery, actor: Actor | None) -> Select[Evaluation]:
    stmt = select(Evaluation).where(
        exists().where(Run.id == Evaluation.run_id, runs.visible_runs(actor))
    )
    if q.measure is not None:
        stmt = stmt.where(Evaluation.measure == known_measure(q.measure))
    for column, values in (
        (Evaluation.task_id, q.task_ids),
        (Evaluation.flow_id, q.flow_ids),
        (Evaluation.setup_id, q.setup_ids),
        (Evaluation.run_id, q.run_ids),
        (Evaluation.uploader_id, q.uploader_ids),
    ):
        if values:
            stmt = stmt.where(column.in_(values))
    if q.uploader is not None:
        stmt = stmt.where(
            Evaluation.uploader_id
            == select(User.id).where(User.name == q.uploader).scalar_subquery()
        )
    if q.study_id is not None:
        stmt = stmt.where(
            exists().where(
                CollectionRun.run_id == Evaluation.run_id, CollectionRun.collection_id == q.study_id
            )
        )
    return stmt


def query(q: EvaluationQuery, actor: Actor | None) -> Select[Evaluation]:
    """The SELECT of one page: keyset on (value, run) when sorted, else on (run, measure)."""
    stmt = _filtered(q, actor)
    if q.sort not in {None, "asc", "desc"}:
        raise InvalidInput("sort: use 'asc' or 'desc'", field="sort")
    if q.sort is not None and q.measure is None:
        raise InvalidInput("sort: sorting by value needs a measure", field="sort")
    if q.sort is None:
        key = tuple_(Evaluation.run_id, Evaluation.measure)
        descending = False
    else:
        # Runs for which a measure is undefined (NULL) are left out of sorted lists.
        stmt = stmt.where(Evaluation.value.is_not(None))
        key = tuple_(Evaluation.value, Evaluation.run_id)
        descending = q.sort == "desc"
    if q.cursor:
        after = tuple_(*_decode(q.cursor))
        stmt = stmt.where(key < after if descending else key > after)
    columns = key.clauses
    order = [c.desc() if descending else c.asc() for c in columns]
    return stmt.order_by(*order).offset(q.offset).limit(q.limit)


def list_page(
    session: Session, q: EvaluationQuery, actor: Actor | None
) -> tuple[list[EvaluationOut], str | None]:
    """One page of evaluations and the cursor of the next page."""
    if not 1 <= q.limit <= 10_000:
        raise InvalidInput("limit must be between 1 and 10000", field="limit")
    rows = list(session.scalars(query(q, actor)))
    items = describe_many(session, rows, per_fold=q.per_fold)
    if len(rows) < q.limit:
        return items, None
    last = rows[-1]
    if q.sort is None:
        return items, _encode(last.run_id, last.measure)
    return items, _encode(last.value, last.run_id)


def describe_many(
    session: Session, rows: Sequence[Evaluation], *, per_fold: bool = False
) -> list[EvaluationOut]:
    """Wire form of many evaluations with two extra queries, whatever their number."""
    run_ids = {r.run_id for r in rows}
    info = {
        run_id: (flow_name, dataset_id, uploader, upload_time)
        for run_id, flow_name, dataset_id, uploader, upload_time in session.execute(
            select(Run.id, Flow.name, Task.dataset_id, User.name, Run.upload_time)
            .join(Flow, Flow.id == Run.flow_id)
            .join(Task, Task.id == Run.task_id)
            .join(User, User.id == Run.uploader_id)
            .where(Run.id.in_(run_ids))
        )
    }
    return [
        EvaluationOut(
            run_id=r.run_id,
            task_id=r.task_id,
            flow_id=r.flow_id,
            setup_id=r.setup_id,
            flow_name=info[r.run_id][0],
            dataset_id=info[r.run_id][1],
            uploader=info[r.run_id][2],
            upload_time=info[r.run_id][3],
            measure=r.measure,
            value=r.value,
            stdev=r.stdev,
            array_data=r.array_data,
            per_fold=r.per_fold if per_fold else None,
            per_sample=r.per_sample if per_fold else None,
            curve=r.curve,
        )
        for r in rows
    ]


def higher_is_better(measure: str) -> bool:
    """Direction of a measure (unknown measures: higher is better)."""
    known = MEASURES.get(measure)
    return True if known is None else bool(known.higher_is_better)


def leaderboard(
    session: Session,
    actor: Actor | None,
    task_id: int,
    measure: str | None,
    limit: int = 100,
    by: LeaderboardGroup = "flow",
) -> Leaderboard:
    """The best run of each flow (or setup) on a task for ``measure`` (ties: the earliest run).

    ``measure`` None is the task type's main measure. Every run of a task the actor may see is
    visible to them, so no per-run check is needed.

    Raises:
        InvalidInput: a measure the task type does not have (the valid ones are named).
    """
    task = tasks.get(session, actor, task_id)
    measure = checked_measure(task.task_type, measure)
    better = higher_is_better(measure)
    group = Evaluation.flow_id if by == "flow" else Evaluation.setup_id
    on_task = (Evaluation.task_id == task.id, Evaluation.measure == measure)
    best = (
        select(
            group.label("key"),
            (func.max if better else func.min)(Evaluation.value).label("best"),
            func.count().label("runs_of_group"),
        )
        .where(*on_task, Evaluation.value.is_not(None))
        .group_by(group)
        .subquery()
    )
    winners = (
        select(
            best.c.key,
            best.c.best,
            best.c.runs_of_group,
            func.min(Evaluation.run_id).label("run_id"),
        )
        .join(Evaluation, (group == best.c.key) & (Evaluation.value == best.c.best))
        .where(*on_task)
        .group_by(best.c.key, best.c.best, best.c.runs_of_group)
        .subquery()
    )
    rows = session.execute(
        select(
            winners,
            Evaluation.flow_id,
            Evaluation.setup_id,
            Evaluation.stdev,
            Flow.name,
            User.name.label("uploader"),
        )
        .join(Evaluation, (Evaluation.run_id == winners.c.run_id) & (Evaluation.measure == measure))
        .join(Flow, Flow.id == Evaluation.flow_id)
        .join(Run, Run.id == winners.c.run_id)
        .join(User, User.id == Run.uploader_id)
        .order_by(winners.c.best.desc() if better else winners.c.best.asc(), winners.c.run_id)
        .limit(limit)
    )
    entries = [
        LeaderboardEntry(
            rank=rank,
            flow_id=row.flow_id,
            flow_name=row.name,
            run_id=row.run_id,
            setup_id=row.setup_id,
            uploader=row.uploader,
            value=row.best,
            stdev=row.stdev,
            runs_of_flow=row.runs_of_group,
        )
        for rank, row in enumerate(rows, start=1)
    ]
    return Leaderboard(
        task_id=task.id, measure=measure, higher_is_better=better, by=by, entries=entries
    )


def per_fold_of(
    session: Session, run_ids: Sequence[int], measure: str
) -> dict[int, list[list[float | None]]]:
    """Per-fold values of ``measure`` for each run (runs without it are left out)."""
    stmt = select(Evaluation.run_id, Evaluation.per_fold).where(
        Evaluation.run_id.in_(list(run_ids)), Evaluation.measure == measure
    )
    return {run_id: values or [] for run_id, values in session.execute(stmt)}
