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
from mlhive.server.db.tables.experiments import (
    CollectionRun,
    Evaluation,
    Flow,
    LeaderboardBest,
    Reproduction,
    Run,
    Task,
)
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments.measure_names import checked_measure, known_measure
from mlhive.server.services.experiments import leaderboards, runs, tasks
from mlhive.wire.runs import EvaluationOut, Leaderboard, LeaderboardGroup


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


def _filtered(q: EvaluationQuery, actor: Actor | None) -> Select[Any]:
    # Evaluations copy their run's task, and a run is visible exactly when its task is: the
    # check needs no join to ``runs``.
    stmt = select(*_columns(q.per_fold)).where(runs.visible_runs(actor, Evaluation.task_id))
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


def query(q: EvaluationQuery, actor: Actor | None) -> Select[Any]:
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


def _columns(per_fold: bool) -> list[Any]:
    """The evaluation columns of a list (the per-fold arrays only when asked for)."""
    columns: list[Any] = [
        Evaluation.run_id,
        Evaluation.task_id,
        Evaluation.flow_id,
        Evaluation.setup_id,
        Evaluation.measure,
        Evaluation.value,
        Evaluation.stdev,
        Evaluation.array_data,
        Evaluation.curve,
    ]
    if per_fold:
        columns += [Evaluation.per_fold, Evaluation.per_sample]
    return columns


def list_rows(
    session: Session, q: EvaluationQuery, actor: Actor | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of evaluations as JSON-ready dicts (the fields and order of ``EvaluationOut``)
    and the cursor of the next page; no ORM object or wire model is built per row."""
    if not 1 <= q.limit <= 10_000:
        raise InvalidInput("limit must be between 1 and 10000", field="limit")
    rows = session.execute(query(q, actor)).all()
    items = _as_dicts(session, rows, per_fold=q.per_fold)
    if len(rows) < q.limit:
        return items, None
    last = rows[-1]
    if q.sort is None:
        return items, _encode(last.run_id, last.measure)
    return items, _encode(last.value, last.run_id)


def list_page(
    session: Session, q: EvaluationQuery, actor: Actor | None
) -> tuple[list[EvaluationOut], str | None]:
    """One page of evaluations (as wire models) and the cursor of the next page."""
    items, cursor = list_rows(session, q, actor)
    return [EvaluationOut.model_validate(item) for item in items], cursor


def _run_info(session: Session, run_ids: set[int]) -> dict[int, Any]:
    return {
        row.id: row
        for row in session.execute(
            select(Run.id, Flow.name, Task.dataset_id, User.name.label("uploader"), Run.upload_time)
            .join(Flow, Flow.id == Run.flow_id)
            .join(Task, Task.id == Run.task_id)
            .join(User, User.id == Run.uploader_id)
            .where(Run.id.in_(run_ids))
        )
    }


def _as_dicts(session: Session, rows: Sequence[Any], *, per_fold: bool) -> list[dict[str, Any]]:
    info = _run_info(session, {r.run_id for r in rows})
    return [
        {
            "run_id": r.run_id,
            "task_id": r.task_id,
            "flow_id": r.flow_id,
            "flow_name": info[r.run_id].name,
            "setup_id": r.setup_id,
            "dataset_id": info[r.run_id].dataset_id,
            "uploader": info[r.run_id].uploader,
            "measure": r.measure,
            "value": r.value,
            "stdev": r.stdev,
            "array_data": r.array_data,
            "per_sample": r.per_sample if per_fold else None,
            "curve": r.curve,
            "per_fold": r.per_fold if per_fold else None,
            "upload_time": info[r.run_id].upload_time,
        }
        for r in rows
    ]


def describe_many(
    session: Session, rows: Sequence[Evaluation], *, per_fold: bool = False
) -> list[EvaluationOut]:
    """Wire form of many evaluations with one extra query, whatever their number."""
    return [
        EvaluationOut.model_validate(item) for item in _as_dicts(session, rows, per_fold=per_fold)
    ]


higher_is_better = leaderboards.higher_is_better


def leaderboard_data(
    session: Session,
    actor: Actor | None,
    task_id: int,
    measure: str | None,
    limit: int = 100,
    by: LeaderboardGroup = "flow",
    reproduced: bool = False,
) -> dict[str, Any]:
    """The best run of each flow (or setup) on a task for ``measure`` (ties: the earliest run),
    as a JSON-ready dict shaped like :class:`Leaderboard`.

    ``measure`` None is the task type's main measure; ``reproduced`` keeps only runs with at
    least one ``reproduced`` reproduction (:func:`_reproduced_best`, which ranks the task's
    evaluations instead of reading the maintained rows). Otherwise it reads the best rows kept by
    :mod:`leaderboards` in rank order (an index range), so it costs the same whatever the
    number of runs. Every run of a task the actor may see is visible to them, so no per-run
    check is needed.

    Raises:
        InvalidInput: a measure the task type does not have (the valid ones are named).
    """
    task = tasks.get(session, actor, task_id)
    measure = checked_measure(task.task_type, measure)
    best = (
        _reproduced_best(task.id, measure, by, limit)
        if reproduced
        else select(LeaderboardBest)
        .where(
            LeaderboardBest.task_id == task.id,
            LeaderboardBest.measure == measure,
            LeaderboardBest.grouped_by == by,
        )
        .order_by(LeaderboardBest.sort_key, LeaderboardBest.run_id)
        .limit(limit)
        .subquery()
    )
    rows = session.execute(
        select(
            best.c.run_id,
            best.c.value,
            best.c.runs,
            Evaluation.flow_id,
            Evaluation.setup_id,
            Evaluation.stdev,
            Flow.name.label("flow_name"),
            User.name.label("uploader"),
        )
        .join(Evaluation, (Evaluation.run_id == best.c.run_id) & (Evaluation.measure == measure))
        .join(Flow, Flow.id == Evaluation.flow_id)
        .join(User, User.id == Evaluation.uploader_id)
        .order_by(best.c.sort_key, best.c.run_id)
    )
    entries = [
        {
            "rank": rank,
            "flow_id": row.flow_id,
            "flow_name": row.flow_name,
            "run_id": row.run_id,
            "setup_id": row.setup_id,
            "uploader": row.uploader,
            "value": row.value,
            "stdev": row.stdev,
            "runs_of_flow": row.runs,
        }
        for rank, row in enumerate(rows, start=1)
    ]
    return {
        "task_id": task.id,
        "measure": measure,
        "higher_is_better": higher_is_better(measure),
        "by": by,
        "reproduced": reproduced,
        "entries": entries,
    }


def _reproduced_best(task_id: int, measure: str, by: LeaderboardGroup, limit: int) -> Any:
    """The best *reproduced* run of each group, ranked: the slower path of a leaderboard.

    The maintained best rows know nothing of reproductions, so this ranks the task's
    evaluations of ``measure`` whose run has at least one ``reproduced`` reproduction (one
    index range of the task's evaluations, filtered); ``runs`` counts the group's reproduced
    runs.
    """
    group = Evaluation.flow_id if by == "flow" else Evaluation.setup_id
    key = -Evaluation.value if higher_is_better(measure) else Evaluation.value
    ranked = (
        select(
            Evaluation.run_id,
            Evaluation.value,
            key.label("sort_key"),
            func.row_number()
            .over(partition_by=group, order_by=(key, Evaluation.run_id))
            .label("place"),
            func.count().over(partition_by=group).label("runs"),
        )
        .where(
            Evaluation.task_id == task_id,
            Evaluation.measure == measure,
            Evaluation.value.is_not(None),
            exists().where(
                Reproduction.run_id == Evaluation.run_id, Reproduction.state == "reproduced"
            ),
        )
        .subquery()
    )
    return (
        select(ranked.c.run_id, ranked.c.value, ranked.c.sort_key, ranked.c.runs)
        .where(ranked.c.place == 1)
        .order_by(ranked.c.sort_key, ranked.c.run_id)
        .limit(limit)
        .subquery()
    )


def leaderboard(
    session: Session,
    actor: Actor | None,
    task_id: int,
    measure: str | None,
    limit: int = 100,
    by: LeaderboardGroup = "flow",
    reproduced: bool = False,
) -> Leaderboard:
    """:func:`leaderboard_data` as a wire model."""
    return Leaderboard.model_validate(
        leaderboard_data(session, actor, task_id, measure, limit, by, reproduced)
    )


def per_fold_of(
    session: Session, run_ids: Sequence[int], measure: str
) -> dict[int, list[list[float | None]]]:
    """Per-fold values of ``measure`` for each run (runs without it are left out)."""
    stmt = select(Evaluation.run_id, Evaluation.per_fold).where(
        Evaluation.run_id.in_(list(run_ids)), Evaluation.measure == measure
    )
    return {run_id: values or [] for run_id, values in session.execute(stmt)}
