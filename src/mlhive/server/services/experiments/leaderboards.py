"""The best run per (task, measure, flow) and per (task, measure, setup), kept up to date.

Every write of evaluations goes through :func:`record` (after they are inserted) and every
removal through :func:`withdraw` (after they are deleted), in the same transaction, so a
leaderboard reads its first rows from ``leaderboard_bests`` instead of grouping every run of
its task. Both are atomic row by row: an ``INSERT … ON CONFLICT DO UPDATE`` keeps the better
of the stored and the new run (ties: the earlier run) and counts one run more; a removal
counts one run fewer and, when it took the best away, reads the group's next best from the
evaluations' index. Concurrent scoring of runs of one task therefore never loses a best.

A run is visible exactly when its task is (``runs.visible_runs``), so these rows carry no
visibility of their own; readers check the task first (``evaluations.leaderboard``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, delete, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mlhive.server.db.tables.experiments import Evaluation, LeaderboardBest
from mlhive.server.domain.experiments.metrics import MEASURES

GROUPINGS = ("flow", "setup")
_COLUMN = {"flow": Evaluation.flow_id, "setup": Evaluation.setup_id}


@dataclass(frozen=True)
class Scored:
    """What a leaderboard needs of one evaluation."""

    run_id: int
    task_id: int
    flow_id: int
    setup_id: int
    measure: str
    value: float | None

    @classmethod
    def of(cls, row: Evaluation) -> Scored:
        return cls(row.run_id, row.task_id, row.flow_id, row.setup_id, row.measure, row.value)

    def group_id(self, grouping: str) -> int:
        return self.flow_id if grouping == "flow" else self.setup_id


def higher_is_better(measure: str) -> bool:
    """Direction of a measure (unknown measures: higher is better)."""
    known = MEASURES.get(measure)
    return True if known is None else bool(known.higher_is_better)


def sort_key(measure: str, value: float) -> float:
    """``value`` turned so that ascending order ranks the best first."""
    return -value if higher_is_better(measure) else value


def lower_is_better() -> tuple[str, ...]:
    """The catalogue's measures ranked lowest first."""
    return tuple(name for name, m in MEASURES.items() if not m.higher_is_better)


def record(session: Session, rows: Iterable[Scored]) -> None:
    """Count freshly inserted evaluations into the best rows (insert-or-improve)."""
    values: list[dict[str, Any]] = [
        {
            "task_id": r.task_id,
            "measure": r.measure,
            "grouped_by": grouping,
            "group_id": r.group_id(grouping),
            "run_id": r.run_id,
            "value": r.value,
            "sort_key": sort_key(r.measure, r.value),
            "runs": 1,
        }
        for r in rows
        if r.value is not None
        for grouping in GROUPINGS
    ]
    if not values:
        return
    # Rows in key order, here and in withdraw(): two transactions touching the same best rows
    # lock them in the same order, so they queue instead of deadlocking.
    values.sort(key=lambda v: (v["task_id"], v["measure"], v["grouped_by"], v["group_id"]))
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(LeaderboardBest).values(values)
    table, new = LeaderboardBest.__table__.c, stmt.excluded
    better = or_(
        new.sort_key < table.sort_key,
        and_(new.sort_key == table.sort_key, new.run_id < table.run_id),
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["task_id", "measure", "grouped_by", "group_id"],
            set_={
                "runs": table.runs + 1,
                "run_id": case((better, new.run_id), else_=table.run_id),
                "value": case((better, new.value), else_=table.value),
                "sort_key": case((better, new.sort_key), else_=table.sort_key),
            },
        )
    )


def withdraw_run(session: Session, run_id: int) -> None:
    """Delete a run's evaluations and take them out of the best rows."""
    gone = [
        Scored(*row)
        for row in session.execute(
            select(
                Evaluation.run_id,
                Evaluation.task_id,
                Evaluation.flow_id,
                Evaluation.setup_id,
                Evaluation.measure,
                Evaluation.value,
            ).where(Evaluation.run_id == run_id)
        )
    ]
    session.execute(delete(Evaluation).where(Evaluation.run_id == run_id))
    withdraw(session, gone)


def withdraw(session: Session, rows: Iterable[Scored]) -> None:
    """Take deleted evaluations out of the best rows (call once they are deleted)."""
    for r in sorted(rows, key=lambda r: (r.task_id, r.measure)):
        if r.value is None:
            continue
        for grouping in GROUPINGS:  # "flow" < "setup": the key order record() uses
            key = (
                LeaderboardBest.task_id == r.task_id,
                LeaderboardBest.measure == r.measure,
                LeaderboardBest.grouped_by == grouping,
                LeaderboardBest.group_id == r.group_id(grouping),
            )
            left = session.execute(
                update(LeaderboardBest)
                .where(*key)
                .values(runs=LeaderboardBest.runs - 1)
                .returning(LeaderboardBest.run_id, LeaderboardBest.runs)
            ).first()
            if left is None:
                continue
            if left.runs <= 0:
                session.execute(delete(LeaderboardBest).where(*key))
            elif left.run_id == r.run_id:
                _reelect(session, r, grouping, key)


def _reelect(session: Session, r: Scored, grouping: str, key: tuple[Any, ...]) -> None:
    """Store the group's best remaining run (its best was just taken away)."""
    higher = higher_is_better(r.measure)
    best = session.execute(
        select(Evaluation.run_id, Evaluation.value)
        .where(
            Evaluation.task_id == r.task_id,
            Evaluation.measure == r.measure,
            _COLUMN[grouping] == r.group_id(grouping),
            Evaluation.value.is_not(None),
        )
        .order_by(Evaluation.value.desc() if higher else Evaluation.value.asc(), Evaluation.run_id)
        .limit(1)
    ).first()
    if best is None:  # no run of the group has a value any more
        session.execute(delete(LeaderboardBest).where(*key))
        return
    session.execute(
        update(LeaderboardBest)
        .where(*key)
        .values(run_id=best.run_id, value=best.value, sort_key=sort_key(r.measure, best.value))
    )


def rebuild(session: Session) -> None:
    """Recompute every best row from the evaluations (bulk loads; the migration does the same)."""
    session.execute(delete(LeaderboardBest))
    lower = ", ".join(f"'{name}'" for name in lower_is_better())
    for grouping, column in (("flow", "flow_id"), ("setup", "setup_id")):
        session.execute(
            text(
                f"""
                INSERT INTO leaderboard_bests
                    (task_id, measure, grouped_by, group_id, run_id, value, sort_key, runs)
                SELECT task_id, measure, '{grouping}', group_id, run_id, value, sort_key, runs
                FROM (
                    SELECT task_id, measure, group_id, run_id, value, sort_key,
                           ROW_NUMBER() OVER (
                               PARTITION BY task_id, measure, group_id ORDER BY sort_key, run_id
                           ) AS place,
                           COUNT(*) OVER (PARTITION BY task_id, measure, group_id) AS runs
                    FROM (
                        SELECT task_id, measure, {column} AS group_id, run_id, value,
                               CASE WHEN measure IN ({lower}) THEN value ELSE -value END
                                   AS sort_key
                        FROM evaluations
                        WHERE value IS NOT NULL
                    ) AS scored
                ) AS ranked
                WHERE place = 1
                """
            )
        )
