"""Similar datasets: the nearest neighbours of a dataset in meta-feature space.

The :class:`~mlhive.server.services.automl.index.MetaIndex` picks candidates from the whole
hive in one vectorised pass; the few candidates are then re-ranked exactly from their stored
qualities, read through the access rules (a private dataset is never anyone else's
neighbour), and explained: the qualities on which they are closest, and whether they are
near-duplicates (the same stored table, or the same shape with identical qualities).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.queries.datasets import visible_to
from mlhive.server.db.queries.metafeatures import quality_matrix
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.domain.access import Actor
from mlhive.server.domain.automl.metafeatures import (
    closest_qualities,
    nearest,
    pair_distances,
    same_qualities,
)
from mlhive.server.domain.datasets.qualities import QUALITY_NAMES
from mlhive.server.domain.errors import Conflict
from mlhive.server.services.automl.index import BuiltIndex, MetaIndex
from mlhive.server.services.datasets import catalog
from mlhive.wire.automl import QualityMatch, SimilarDataset
from mlhive.wire.errors import ErrorCode

MAX_K = 100
EXPLAINED = 5
"""Qualities listed per neighbour as what makes it similar."""
MARGIN = 10
"""Extra candidates re-ranked exactly: the float32 pass may misorder near-ties."""


@dataclass(frozen=True)
class _Candidate:
    id: int
    name: str
    version: int
    status: str
    digest: str | None
    shape: tuple[int, int]


def similar(
    session: Session, index: MetaIndex, actor: Actor | None, dataset_id: int, k: int = 10
) -> list[SimilarDataset]:
    """The ``k`` datasets the actor may see that are most similar to ``dataset_id``;
    near-duplicates first, then by distance.

    Raises:
        NotFound: the dataset does not exist or the actor may not see it.
        Conflict: ``not_processed``: it has no qualities yet.
    """
    dataset = catalog.get(session, actor, dataset_id)
    built = index.current(session)
    row = built.row_of(dataset.id)
    if row is None:
        raise Conflict(
            f"dataset {dataset_id} has no qualities yet (processing: {dataset.processing}); "
            "retry when it is processed",
            code=ErrorCode.NOT_PROCESSED,
        )
    rows = _candidate_rows(built, actor, row, k)
    ids = [int(built.ids[r]) for r in rows]
    found = _readable(session, actor, ids)
    raw = quality_matrix(session, [dataset.id, *found], QUALITY_NAMES)
    shape = (dataset.number_of_rows, dataset.number_of_columns)
    me = _Candidate(
        dataset.id, dataset.name, dataset.version, dataset.status, dataset.data_sha256, shape
    )
    order = [i for i in ids if i in found]
    answers = _explain(built, me, [found[i] for i in order], raw[dataset.id], raw, order)
    answers.sort(key=lambda a: (not a.near_duplicate, a.distance, a.id))
    return answers[:k]


def _candidate_rows(built: BuiltIndex, actor: Actor | None, row: int, k: int) -> list[int]:
    """The nearest visible rows (k plus a margin), and every row holding the same data."""
    distances = built.matrix.distances(built.matrix.row(row))
    hidden = ~built.visible(actor)
    hidden[row] = True
    distances[hidden] = np.inf
    chosen = [int(r) for r in nearest(distances, k + MARGIN)]
    group = built.twins.get(row)
    if group is None:
        return chosen
    twins = group[~hidden[group]][: k + MARGIN]  # hidden includes the dataset itself
    return list(dict.fromkeys([*(int(t) for t in twins), *chosen]))


def _readable(session: Session, actor: Actor | None, ids: list[int]) -> dict[int, _Candidate]:
    """The candidates as the access rules let the actor read them now."""
    if not ids:
        return {}
    stmt = select(
        Dataset.id,
        Dataset.name,
        Dataset.version,
        Dataset.status,
        Dataset.data_sha256,
        Dataset.number_of_rows,
        Dataset.number_of_columns,
    ).where(Dataset.id.in_(ids), visible_to(actor))
    rows = session.execute(stmt).all()
    return {r[0]: _Candidate(r[0], r[1], r[2], r[3], r[4], (r[5], r[6])) for r in rows}


def _explain(
    built: BuiltIndex,
    me: _Candidate,
    others: list[_Candidate],
    mine: np.ndarray,
    raw: dict[int, np.ndarray],
    order: list[int],
) -> list[SimilarDataset]:
    """Exact distances (one vectorised call for all candidates), reasons and closest qualities."""
    if not others:
        return []
    theirs = np.stack([raw[i] for i in order])
    a, b = built.scaling.apply(mine), built.scaling.apply(theirs)
    distances = pair_distances(b, a)
    shared = (~np.isnan(theirs) & ~np.isnan(mine)).sum(axis=1)
    return [
        _answer(other, distances[n], int(shared[n]), _duplicate_reason(me, other, mine, row), [
            QualityMatch(name=QUALITY_NAMES[q], value=float(mine[q]), neighbour_value=float(row[q]))
            for q in closest_qualities(a, b[n], EXPLAINED)
        ])
        for n, (other, row) in enumerate(zip(others, theirs, strict=True))
    ]  # fmt: skip


def _answer(
    other: _Candidate,
    distance: float,
    shared: int,
    reason: str | None,
    closest: list[QualityMatch],
) -> SimilarDataset:
    return SimilarDataset(
        id=other.id,
        name=other.name,
        version=other.version,
        status=other.status,
        distance=round(float(distance), 6) if np.isfinite(distance) else 1e308,
        shared_qualities=shared,
        near_duplicate=reason is not None,
        reason=reason,
        closest=closest,
    )


def _duplicate_reason(
    me: _Candidate, other: _Candidate, mine: np.ndarray, theirs: np.ndarray
) -> str | None:
    if me.digest is not None and me.digest == other.digest:
        return f"identical data: the same stored table (sha256 {me.digest[:12]}…)"
    if me.shape == other.shape and same_qualities(mine, theirs):
        rows, columns = me.shape
        count = int((~np.isnan(mine)).sum())
        return f"same shape ({rows} rows, {columns} columns) and all {count} qualities identical"
    return None


def neighbours(
    session: Session,
    index: MetaIndex,
    actor: Actor | None,
    dataset_ids: list[int],
    k: int,
    skip_owners: tuple[int, ...] = (),
) -> dict[int, list[int]]:
    """For each of ``dataset_ids`` that has qualities, the ids of its ``k`` nearest datasets
    the actor may see (nearest first), leaving out those owned by ``skip_owners``: one
    vectorised pass each, no exact re-ranking (for candidate generation, not for display)."""
    built = index.current(session)
    hidden = ~built.visible(actor)
    if skip_owners:
        hidden |= np.isin(built.owners, skip_owners)
    found: dict[int, list[int]] = {}
    for dataset_id in dataset_ids:
        row = built.row_of(dataset_id)
        if row is None:
            continue
        distances = built.matrix.distances(built.matrix.row(row))
        distances[hidden] = np.inf
        distances[row] = np.inf
        found[dataset_id] = [int(built.ids[r]) for r in nearest(distances, k)]
    return found
