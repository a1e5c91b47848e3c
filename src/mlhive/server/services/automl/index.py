"""The per-process index of every dataset's scaled meta-features.

Reading 70 qualities of 100 000 datasets takes seconds; answering "what is similar to X" from
a matrix in memory takes milliseconds. So each server process keeps one :class:`MetaIndex`,
built lazily on the first question and refreshed when the meta-feature generation counter
(:mod:`mlhive.server.db.queries.metafeatures`, bumped whenever a dataset is processed, forked
or deleted) has moved: each request reads one integer to know the matrix is current.

A refresh is incremental: the change log names the datasets changed since the snapshot's
generation, and only their rows are read and patched (appended, overwritten or dropped), with
the snapshot's scaling kept, so distances between unchanged datasets do not drift. The scaling
is refitted, by a full rebuild, only once the rows changed since the last fit exceed
``refit_fraction`` of the rows it was fitted on. Snapshots are immutable and swapped whole:
while one request refreshes, the others are answered from the previous snapshot.

A dataset's visibility and owner never change after upload, so the index may keep them and
filter neighbours with a vectorised mask; the service still reads the chosen neighbours'
rows through the access rules before answering (which also drops a neighbour a stale
snapshot still holds but that was deleted meanwhile).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from mlhive.server.db.queries import metafeatures as queries
from mlhive.server.domain.access import Actor
from mlhive.server.domain.automl.metafeatures import MetaMatrix, Scaling, fit_scaling
from mlhive.server.domain.datasets.qualities import QUALITY_NAMES

REFIT_FRACTION = 0.1
"""Rows changed since the scaling was fitted, as a fraction of the rows it was fitted on,
beyond which a refresh rebuilds everything and refits the scaling."""


@dataclass(frozen=True)
class BuiltIndex:
    """One generation's immutable matrix: row ``i`` is the dataset ``ids[i]`` (ascending ids)."""

    generation: int
    ids: np.ndarray
    owners: np.ndarray
    public: np.ndarray
    digests: np.ndarray  # object: the data digest per row (or None)
    scaling: Scaling
    matrix: MetaMatrix
    twins: dict[int, np.ndarray]  # row -> every row (itself too) with the same stored data
    fitted_generation: int  # the generation of the full build whose scaling this keeps
    fitted_rows: int  # rows the scaling was fitted on
    changed_rows: int  # rows patched since that full build

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
        mine: np.ndarray = self.public | np.isin(self.owners, actor.readable())
        return mine | np.isin(self.ids, actor.granted("dataset"))


class MetaIndex:
    """The lazily built, generation-checked :class:`BuiltIndex` of one process."""

    def __init__(self, refit_fraction: float = REFIT_FRACTION) -> None:
        self.refit_fraction = refit_fraction
        self._lock = threading.Lock()  # held by the one refresher
        self._built: BuiltIndex | None = None

    def current(self, session: Session) -> BuiltIndex:
        """The index as of the database's current generation, refreshed if it moved; while
        another request refreshes it, the previous snapshot (only the very first build is
        waited for: there is nothing older to answer from)."""
        wanted = queries.generation(session)
        built = self._built
        if built is not None and built.generation >= wanted:
            return built
        if built is not None and not self._lock.acquire(blocking=False):
            return built  # someone is refreshing: answer from the snapshot they start from
        if built is None:
            self._lock.acquire()
        try:
            built = self._built
            if built is None or built.generation < wanted:
                built = self._refresh(session, built, wanted)
                self._built = built  # the swap: readers hold whole snapshots, never a mix
            return built
        finally:
            self._lock.release()

    def _refresh(self, session: Session, built: BuiltIndex | None, wanted: int) -> BuiltIndex:
        """The snapshot for ``wanted``: patched from ``built``, or built in full when there
        is none or the scaling is due for a refit."""
        if built is None:
            return build(session, wanted)
        changed = queries.changed_since(session, built.generation, wanted)
        if built.changed_rows + len(changed) > self.refit_fraction * built.fitted_rows:
            return build(session, wanted)
        return patch(session, built, wanted, changed)


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
    digests = np.array(rows.digests, dtype=object)[keep]
    return BuiltIndex(
        generation=generation,
        ids=rows.ids[keep],
        owners=rows.owners[keep],
        public=public,
        digests=digests,
        scaling=scaling,
        matrix=MetaMatrix.build(scaling.apply(raw)),
        twins=_twins(digests),
        fitted_generation=generation,
        fitted_rows=int(keep.sum()),
        changed_rows=0,
    )


def patch(session: Session, built: BuiltIndex, generation: int, changed: set[int]) -> BuiltIndex:
    """A new snapshot with the ``changed`` datasets' rows re-read: those still present with
    qualities are (re)inserted, scaled with ``built``'s scaling; the others dropped."""
    if not changed:
        return replace(built, generation=generation)
    rows = queries.dataset_rows(session, changed)
    raw_of = queries.quality_matrix(session, [int(i) for i in rows.ids], QUALITY_NAMES)
    raw = np.array([raw_of[int(i)] for i in rows.ids]).reshape(len(rows.ids), len(QUALITY_NAMES))
    fresh = ~np.isnan(raw).all(axis=1)
    kept = ~np.isin(built.ids, np.fromiter(changed, dtype=np.int64, count=len(changed)))
    added = MetaMatrix.build(built.scaling.apply(raw[fresh]))
    ids = np.concatenate([built.ids[kept], rows.ids[fresh]])
    # New datasets have the highest ids: appending keeps the order, and saves a second copy.
    ascending = bool(np.all(ids[1:] > ids[:-1]))
    order = None if ascending else np.argsort(ids, kind="stable")
    everything = bool(kept.all())

    def merged(old: np.ndarray, new: np.ndarray) -> np.ndarray:
        joined = np.concatenate([old if everything else old[kept], new])
        return joined if order is None else joined[order]

    digests = merged(built.digests, np.array(rows.digests, dtype=object)[fresh])
    matrix = MetaMatrix(
        values=merged(built.matrix.values, added.values),
        squares=merged(built.matrix.squares, added.squares),
        present=merged(built.matrix.present, added.present),
        counts=merged(built.matrix.counts, added.counts),
    )
    return replace(
        built,
        generation=generation,
        ids=ids if order is None else ids[order],
        owners=merged(built.owners, rows.owners[fresh]),
        public=merged(built.public, rows.public[fresh]),
        digests=digests,
        matrix=matrix,
        twins=_twins(digests),
        changed_rows=built.changed_rows + len(changed),
    )


def _twins(digests: np.ndarray) -> dict[int, np.ndarray]:
    """Rows sharing their stored data with other rows (the same table uploaded again); the
    rows of one group share one array, so a table forked a thousand times costs no more.
    Grouped by pandas' hash factorisation: a Python loop over 100 000 digests costs a fifth
    of a second, paid on every refresh."""
    codes, _ = pd.factorize(digests)  # -1 where there is no digest
    known = np.flatnonzero(codes >= 0)
    if not len(known):
        return {}
    counts = np.bincount(codes[known])
    rows = known[counts[codes[known]] > 1]
    rows = rows[np.argsort(codes[rows], kind="stable")]
    twins: dict[int, np.ndarray] = {}
    for group in np.split(rows, np.flatnonzero(np.diff(codes[rows])) + 1):
        if len(group):
            twins.update(dict.fromkeys(group.tolist(), group.astype(np.int64)))
    return twins
