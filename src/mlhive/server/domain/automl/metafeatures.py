"""Meta-feature maths for similar datasets: transforms, robust scaling and masked distances.

A dataset is a vector of its qualities (OpenML's meta-features), NaN where a quality is
missing or does not apply (a regression dataset has no class entropy). Each quality is first
put on a scale where differences mean the same everywhere: counts on a log scale (10 against
20 rows is as different as 10 000 against 20 000), unbounded moments on a signed log scale,
percentages and scores as they are. Then it is centred on the median and divided by the
interquartile range, so a few huge datasets do not squash everyone else together; values are
clipped at :data:`CLIP` spreads for the same reason.

The distance of two datasets ignores per pair what either lacks and penalises pairs that share
few of the qualities one of them has::

    d(a, b)^2 = mean over shared q of (a_q - b_q)^2  +  PENALTY * (1 - shared / union)

where ``union`` counts the qualities present in either. Two regression datasets are not
penalised for both lacking the class qualities; a classification and a regression dataset
are. Pairs sharing nothing are infinitely far apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CLIP = 10.0
"""Scaled values are clipped to ``[-CLIP, CLIP]`` so one extreme quality cannot dominate."""
PENALTY = 1.0
"""Squared distance added when two datasets share none of the qualities either has."""
DUPLICATE_TOLERANCE = 1e-9
"""Relative tolerance under which two quality values count as identical."""

# Counts (and ratios of counts) spread over orders of magnitude: compared on a log scale.
_COUNT_NAMES = (
    "Dimensionality",
    "EquivalentNumberOfAtts",
    "MajorityClassSize",
    "MinorityClassSize",
    "MaxNominalAttDistinctValues",
    "MeanNominalAttDistinctValues",
    "MinNominalAttDistinctValues",
    "StdvNominalAttDistinctValues",
)
# Moments of the numeric attributes are unbounded in both directions: a signed log scale.
_MOMENT_SUFFIXES = (
    "MeansOfNumericAtts",
    "StdDevOfNumericAtts",
    "SkewnessOfNumericAtts",
    "KurtosisOfNumericAtts",
    "MeanNoiseToSignalRatio",
)


def is_count(name: str) -> bool:
    """Whether a quality is a count, compared on a log scale."""
    return name.startswith("NumberOf") or name in _COUNT_NAMES


def is_moment(name: str) -> bool:
    """Whether a quality is an unbounded moment, compared on a signed log scale."""
    return name.endswith(_MOMENT_SUFFIXES)


def _kinds(names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    counts = np.array([is_count(n) for n in names], dtype=bool)
    moments = np.array([is_moment(n) for n in names], dtype=bool)
    return counts, moments


def transform(
    names: tuple[str, ...], raw: np.ndarray, kinds: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Raw qualities (rows: datasets, columns: ``names``) on comparable scales; NaN stays NaN."""
    values = np.asarray(raw, dtype=np.float64).copy()
    counts, moments = kinds if kinds is not None else _kinds(names)
    with np.errstate(invalid="ignore"):
        values[..., counts] = np.log1p(np.maximum(values[..., counts], 0.0))
        signed = values[..., moments]
        values[..., moments] = np.sign(signed) * np.log1p(np.abs(signed))
    return values


@dataclass(frozen=True)
class Scaling:
    """Robust centre and spread per quality, fitted on a population of datasets."""

    names: tuple[str, ...]
    centre: np.ndarray
    spread: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "_kinds", _kinds(self.names))  # computed once, used per call

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """Scaled qualities: transformed, centred, divided by the spread, clipped; NaN kept."""
        values = transform(self.names, raw, self._kinds)  # type: ignore[attr-defined]
        clipped: np.ndarray = np.clip((values - self.centre) / self.spread, -CLIP, CLIP)
        return clipped


def fit_scaling(names: tuple[str, ...], raw: np.ndarray) -> Scaling:
    """Median and interquartile range of each transformed quality over ``raw``'s rows.

    A quality whose quartiles coincide (most datasets have no missing values) falls back to
    its standard deviation, and to 1 when it does not vary at all or is never present.
    """
    values = transform(names, raw)
    present = ~np.isnan(values)
    centre = np.zeros(len(names))
    spread = np.ones(len(names))
    for column in np.flatnonzero(present.any(axis=0)):
        known = values[present[:, column], column]
        q1, median, q3 = np.percentile(known, [25, 50, 75])
        centre[column] = median
        width = q3 - q1
        if width <= 0:
            width = float(np.std(known))
        spread[column] = width if width > 0 else 1.0
    return Scaling(names, centre, spread)


@dataclass(frozen=True)
class MetaMatrix:
    """Scaled meta-features of many datasets, laid out for one matrix-vector pass per query.

    ``values`` holds the scaled qualities with 0 where missing and ``present`` the mask, so
    the masked squared distance of every row to a query is three matrix-vector products
    (the expansion of ``sum present * (x - q)^2``), not a loop over datasets.
    """

    values: np.ndarray  # (n, d) float32, 0 where missing
    squares: np.ndarray  # (n, d) float32, values ** 2
    present: np.ndarray  # (n, d) float32, 1 where present
    counts: np.ndarray  # (n,) float64, qualities present per row

    @classmethod
    def build(cls, scaled: np.ndarray) -> MetaMatrix:
        """Lay out scaled qualities (NaN where missing)."""
        present = ~np.isnan(scaled)
        values = np.where(present, scaled, 0.0).astype(np.float32)
        return cls(
            values=values,
            squares=values * values,
            present=present.astype(np.float32),
            counts=present.sum(axis=1).astype(np.float64),
        )

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def row(self, index: int) -> np.ndarray:
        """One row's scaled qualities, NaN where missing."""
        return np.where(self.present[index] > 0, self.values[index], np.nan).astype(np.float64)

    def distances(self, query: np.ndarray) -> np.ndarray:
        """The distance of every row to ``query`` (scaled, NaN where missing); inf: nothing
        shared. float32 products: exact enough to pick candidates, re-ranked exactly after."""
        mask = ~np.isnan(query)
        q = np.where(mask, query, 0.0).astype(np.float32)
        p = mask.astype(np.float32)
        shared = (self.present @ p).astype(np.float64)
        total = self.squares @ p - 2.0 * (self.values @ q) + self.present @ (q * q)
        return _combine(np.maximum(total.astype(np.float64), 0.0), shared, self.counts, mask)


def _combine(
    total: np.ndarray, shared: np.ndarray, counts: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    union = counts + float(mask.sum()) - shared
    with np.errstate(divide="ignore", invalid="ignore"):
        squared = total / shared + PENALTY * (1.0 - shared / union)
    return np.where(shared > 0, np.sqrt(np.maximum(squared, 0.0)), np.inf)


def pair_distances(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """The exact (float64) distance of each of ``rows`` to ``query``, both scaled with NaN
    where missing: the same formula as :meth:`MetaMatrix.distances`, computed directly."""
    rows = np.atleast_2d(rows)
    row_mask = ~np.isnan(rows)
    mask = ~np.isnan(query)
    both = row_mask & mask
    diff = np.where(both, rows - np.where(mask, query, 0.0), 0.0)
    return _combine(
        (diff * diff).sum(axis=1), both.sum(axis=1).astype(np.float64), row_mask.sum(axis=1), mask
    )


def nearest(distances: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` smallest finite distances, nearest first (ties by index)."""
    finite = np.flatnonzero(np.isfinite(distances))
    if count < len(finite):
        part = np.argpartition(distances[finite], count - 1)[:count]
        finite = np.sort(finite[part])
    order = np.lexsort((finite, distances[finite]))
    return finite[order]


def closest_qualities(a_scaled: np.ndarray, b_scaled: np.ndarray, top: int) -> list[int]:
    """Indices of the ``top`` shared qualities on which two datasets differ least (scaled),
    in the qualities' stable order among equals: what makes them similar."""
    both = np.flatnonzero(~np.isnan(a_scaled) & ~np.isnan(b_scaled))
    gaps = np.abs(a_scaled[both] - b_scaled[both])
    order = np.lexsort((both, gaps))[:top]
    return [int(i) for i in both[order]]


def same_qualities(a_raw: np.ndarray, b_raw: np.ndarray) -> bool:
    """Whether two datasets have the same qualities present, with identical values."""
    a_mask, b_mask = ~np.isnan(a_raw), ~np.isnan(b_raw)
    if not a_mask.any() or not np.array_equal(a_mask, b_mask):
        return False
    return bool(np.allclose(a_raw[a_mask], b_raw[b_mask], rtol=DUPLICATE_TOLERANCE, atol=0.0))
