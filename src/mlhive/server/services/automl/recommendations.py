"""Recommendations for a task: the flows and setups that did best on similar tasks.

Similar tasks are the tasks of the same type on the task's own dataset and on its most
similar datasets (:mod:`~mlhive.server.services.automl.similar`), each weighted by
``1 / (1 + distance)``. Their stored evaluations in the task's measure form a task x setup
matrix (a setup's best run per task); :mod:`mlhive.server.domain.automl.portfolio` normalises
it per task, scores and ranks the setups and builds a greedy portfolio. Everything is read
from the evaluations at request time, so a new run changes the answer at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.tables.experiments import Evaluation, Flow, Setup, Task
from mlhive.server.domain.access import Actor
from mlhive.server.domain.automl.portfolio import greedy_portfolio, normalise, scores
from mlhive.server.domain.experiments.measure_names import checked_measure
from mlhive.server.services.automl import similar
from mlhive.server.services.automl.index import MetaIndex
from mlhive.server.services.experiments import evaluations, tasks
from mlhive.wire.automl import (
    Evidence,
    PortfolioMember,
    Recommendations,
    RecommendedFlow,
    RecommendedSetup,
    SimilarTask,
)

NEIGHBOURS = 25
"""Similar datasets whose tasks count as evidence."""
MAX_TASKS = 500
SHOWN = 20
"""Setups (and flows) listed."""
PORTFOLIO_SIZE = 5


@dataclass(frozen=True)
class _Cell:
    """A setup's best run on one task."""

    run_id: int
    value: float


def recommend(
    session: Session, index: MetaIndex, actor: Actor | None, task_id: int, measure: str | None
) -> Recommendations:
    """Ranked setups and flows, with their evidence, and a greedy portfolio for ``task_id``.

    Raises:
        NotFound: no such task, or its dataset is not visible to the actor.
        InvalidInput: a measure the task type does not have.
        Conflict: ``not_processed``: the task's dataset has no qualities yet.
    """
    task = tasks.get(session, actor, task_id)
    measure = checked_measure(task.task_type, measure)
    better = evaluations.higher_is_better(measure)
    related = _similar_tasks(session, index, actor, task)
    cells = _best_cells(session, [t.task_id for t in related], measure, better)
    setups = sorted({setup for _, setup in cells})
    with_results = {task_id for task_id, _ in cells}
    rows = [t for t in related if t.task_id in with_results]
    empty = Recommendations(
        task_id=task.id, measure=measure, higher_is_better=better, similar_tasks=related,
        setups=[], flows=[], portfolio=[],
    )  # fmt: skip
    if not setups:
        return empty
    values = np.array(
        [[cells[(t.task_id, s)].value if (t.task_id, s) in cells else np.nan for s in setups]
         for t in rows]
    )  # fmt: skip
    normalised = normalise(values, better)
    weights = np.array([t.weight for t in rows])
    score = scores(normalised, weights)
    order = sorted(range(len(setups)), key=lambda c: (-score[c], setups[c]))
    flows = _flows_of(session, setups)
    ranked = [
        _setup(rank, setups[c], flows[setups[c]], float(score[c]), rows, normalised[:, c], cells)
        for rank, c in enumerate(order, start=1)
    ]
    ranked_matrix = normalised[:, order]
    portfolio = [
        PortfolioMember(
            setup_id=ranked[m.column].setup_id, flow_id=ranked[m.column].flow_id,
            flow_name=ranked[m.column].flow_name, value=round(m.value, 6), gain=round(m.gain, 6),
        )
        for m in greedy_portfolio(ranked_matrix, weights, PORTFOLIO_SIZE)
    ]  # fmt: skip
    return empty.model_copy(
        update={"setups": ranked[:SHOWN], "flows": _best_flows(ranked), "portfolio": portfolio}
    )


def _similar_tasks(
    session: Session, index: MetaIndex, actor: Actor | None, task: Task
) -> list[SimilarTask]:
    """Tasks of the same type on the task's dataset and its similar ones, nearest first."""
    neighbours = similar.similar(session, index, actor, task.dataset_id, NEIGHBOURS)
    distance = {task.dataset_id: 0.0} | {n.id: n.distance for n in neighbours}
    names = {task.dataset_id: task.dataset.name} | {n.id: n.name for n in neighbours}
    query = tasks.TaskQuery(
        task_type=task.task_type, dataset_ids=tuple(distance), status=None, limit=MAX_TASKS
    )
    found, _ = tasks.list_page(session, query, actor)
    related = [
        SimilarTask(
            task_id=t.id, dataset_id=t.dataset_id, dataset_name=names[t.dataset_id],
            distance=distance[t.dataset_id], weight=round(1.0 / (1.0 + distance[t.dataset_id]), 6),
        )
        for t in found
        if t.id != task.id  # its own runs are its leaderboard, not a recommendation
    ]  # fmt: skip
    return sorted(related, key=lambda t: (t.distance, t.task_id))


def _best_cells(
    session: Session, task_ids: list[int], measure: str, better: bool
) -> dict[tuple[int, int], _Cell]:
    """The best evaluation per (task, setup) in ``measure`` (ties: the earliest run)."""
    if not task_ids:
        return {}
    stmt = (
        select(Evaluation.task_id, Evaluation.setup_id, Evaluation.run_id, Evaluation.value)
        .where(
            Evaluation.task_id.in_(task_ids),
            Evaluation.measure == measure,
            Evaluation.value.is_not(None),
        )
        .order_by(Evaluation.run_id)
    )
    best: dict[tuple[int, int], _Cell] = {}
    for task_id, setup_id, run_id, value in session.execute(stmt):
        key = (task_id, setup_id)
        known = best.get(key)
        if value is None:  # filtered out in SQL; this keeps the type checker informed
            continue
        if known is None or (value > known.value if better else value < known.value):
            best[key] = _Cell(run_id, float(value))
    return best


def _flows_of(session: Session, setup_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Each setup's flow id and name."""
    stmt = (
        select(Setup.id, Flow.id, Flow.name)
        .join(Flow, Flow.id == Setup.flow_id)
        .where(Setup.id.in_(setup_ids))
    )
    return {setup: (flow, name) for setup, flow, name in session.execute(stmt)}


def _setup(
    rank: int,
    setup_id: int,
    flow: tuple[int, str],
    score: float,
    rows: list[SimilarTask],
    normalised: np.ndarray,
    cells: dict[tuple[int, int], _Cell],
) -> RecommendedSetup:
    evidence = [
        Evidence(
            task_id=t.task_id,
            run_id=cells[(t.task_id, setup_id)].run_id,
            value=cells[(t.task_id, setup_id)].value,
            normalised=round(float(normalised[n]), 6),
        )
        for n, t in enumerate(rows)
        if (t.task_id, setup_id) in cells
    ]
    return RecommendedSetup(
        rank=rank, setup_id=setup_id, flow_id=flow[0], flow_name=flow[1],
        score=round(score, 6), evidence=evidence,
    )  # fmt: skip


def _best_flows(ranked: list[RecommendedSetup]) -> list[RecommendedFlow]:
    """Each flow once, at the rank of its best setup."""
    seen: dict[int, RecommendedSetup] = {}
    for entry in ranked:
        seen.setdefault(entry.flow_id, entry)
    return [
        RecommendedFlow(
            rank=rank, flow_id=e.flow_id, flow_name=e.flow_name, score=e.score,
            best_setup_id=e.setup_id,
        )
        for rank, e in enumerate(list(seen.values())[:SHOWN], start=1)
    ]  # fmt: skip
