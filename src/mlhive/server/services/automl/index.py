"""The per-process index of every dataset's scaled meta-features.

Reading 70 qualities of 100 000 datasets takes seconds; answering "what is similar to X" from
a matrix in memory takes milliseconds. So each server process keeps one :class:`MetaIndex`,
built lazily on the first question and rebuilt when the meta-feature generation counter
(:mod:`mlhive.server.db.queries.metafeatures`, bumped whenever a dataset is processed, forked
or deleted) has moved: each request reads one integer to know the matrix is current.

A dataset's visibility and owner never change after upload, so the index may keep them and
filter neighbours with a vectorised mask; the service still reads the chosen neighbours'
rows through the access rules before answering.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from mlhive.server.db.queries import metafeatures as queries
from mlhive.server.domain.access import Actor
from mlhive.server.domain.automl.metafeatures import MetaMatrix, Scaling, fit_scaling
from mlhive.server.domain.datasets.qualities import QUALITY_NAMES


@dataclass(frozen=True)
class BuiltIndex:
    """One generation's matrix: row ``i`` is the dataset ``ids[i]`` (ascending ids)."""

    generation: int
    ids: np.ndarray
    owners: np.ndarray
    public: np.ndarray
    scaling: Scaling
    matrix: MetaMatrix
    twins: dict[int, np.ndarray]  # row -> every row (itself too) with the same stored data

    def row_of(self, dataset_id: int) -> int | None:
        """The dataset's row, or None when it has no meta-features (not processed yet)."""
        row = int(np.searchsorted(self.ids, dataset_id))
        if row < len(self.ids) and self.ids[row] == dataset_id:
            return row
        return None

    def visible(self, actor: Actor | None) -> np.ndarray:
        """Rows the actor may see (the vectorised form of ``domain.access.can_see``)."""
        if actor is not None and actor.is_admin:
            return np.ones(len(self.ids), dtype=bool)
        if actor is None:
            return self.public.copy()
        mine: np.ndarray = self.public | (self.owners == actor.id)
        return mine


class MetaIndex:
    """The lazily built, generation-checked :class:`BuiltIndex` of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: BuiltIndex | None = None

    def current(self, session: Session) -> BuiltIndex:
        """The index as of the database's current generation (rebuilt if it moved)."""
        wanted = queries.generation(session)
        built = self._built
        if built is not None and built.generation == wanted:
            return built
        with self._lock:  # one rebuild at a time; the others wait and reuse it
            built = self._built
            if built is None or built.generation != wanted:
                built = build(session, wanted)
                self._built = built
            return built


def build(session: Session, generation: int) -> BuiltIndex:
    """Read every dataset's qualities and lay them out (scaling fitted on public datasets
    only, so nobody's private upload moves the distances others see)."""
    rows = queries.dataset_rows(session)
    raw = np.full((len(rows.ids), len(QUALITY_NAMES)), np.nan)
    for column, ids, values in queries.quality_columns(session, QUALITY_NAMES):
        if not len(rows.ids):
            break
        positions = np.searchsorted(rows.ids, ids)
        inside = positions < len(rows.ids)
        known = inside & (rows.ids[np.minimum(positions, len(rows.ids) - 1)] == ids)
        raw[positions[known], column] = values[known]
    keep = ~np.isnan(raw).all(axis=1)  # datasets without qualities are not comparable
    raw = raw[keep]
    public = rows.public[keep]
    scaling = fit_scaling(QUALITY_NAMES, raw[public])
    digests = [d for d, k in zip(rows.digests, keep, strict=True) if k]
    return BuiltIndex(
        generation=generation,
        ids=rows.ids[keep],
        owners=rows.owners[keep],
        public=public,
        scaling=scaling,
        matrix=MetaMatrix.build(scaling.apply(raw)),
        twins=_twins(digests),
    )


def _twins(digests: list[str | None]) -> dict[int, np.ndarray]:
    """Rows sharing their stored data with other rows (the same table uploaded again); the
    rows of one group share one array, so a table forked a thousand times costs no more."""
    groups: dict[str, list[int]] = {}
    for row, digest in enumerate(digests):
        if digest is not None:
            groups.setdefault(digest, []).append(row)
    twins: dict[int, np.ndarray] = {}
    for group in groups.values():
        if len(group) > 1:
            shared = np.array(group, dtype=np.int64)
            twins.update(dict.fromkeys(group, shared))
    return twins
