"""Per-feature value distributions, for the small charts of a dataset's page.

A numeric (or date) column gets a histogram of equal-width bins over its finite values; a
nominal or string column the counts of its most frequent values, the rest pooled as ``other``.
The result is plain JSON (no NaN), computed once from the immutable stored data and kept on
the feature rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mlhive.formats.types import feature_type, nominal_values
from mlhive.server.domain.datasets.features import dictionary_codes, numeric_values

__all__ = ["BINS", "TOP_CATEGORIES", "Distribution", "distribution", "distributions"]

BINS = 20
"""Histogram bins of a numeric column (fewer when it has fewer distinct values)."""
TOP_CATEGORIES = 12
"""Categories shown by name; the others are summed into ``other``."""

Distribution = dict[str, Any]


def distributions(table: pa.Table) -> list[Distribution]:
    """The distribution of every column of ``table``, in column order."""
    return [distribution(table.column(i)) for i in range(table.num_columns)]


def distribution(column: pa.ChunkedArray) -> Distribution:
    """One column's distribution.

    Returns:
        ``{"kind": "histogram", "bins": [{"start", "end", "count"}], "missing"}`` for numeric
        and date columns, ``{"kind": "categories", "top": [{"value", "count"}], "other",
        "missing"}`` for nominal and string columns.
    """
    kind = feature_type(column.type)
    if kind in ("numeric", "date"):
        return _histogram(numeric_values(column), temporal=kind == "date")
    if kind == "nominal":
        return _nominal(column)
    return _strings(column)


def _histogram(values: pa.Array, *, temporal: bool) -> Distribution:
    present = values.drop_null().to_numpy(zero_copy_only=False)
    finite = present[np.isfinite(present)]
    missing = int(len(values) - finite.size)
    if finite.size == 0:
        return {"kind": "histogram", "bins": [], "missing": missing, "temporal": temporal}
    low, high = float(finite.min()), float(finite.max())
    distinct = np.unique(finite)
    if distinct.size <= BINS:  # few values: one bar each, no made-up ranges
        counts = np.searchsorted(np.sort(finite), distinct, side="right")
        sizes = np.diff(np.concatenate(([0], counts)))
        bins = [
            {"start": float(v), "end": float(v), "count": int(c)}
            for v, c in zip(distinct, sizes, strict=True)
        ]
    else:
        counts, edges = np.histogram(finite, bins=BINS, range=(low, high))
        bins = [
            {"start": float(edges[i]), "end": float(edges[i + 1]), "count": int(counts[i])}
            for i in range(len(counts))
        ]
    return {"kind": "histogram", "bins": bins, "missing": missing, "temporal": temporal}


def _nominal(column: pa.ChunkedArray) -> Distribution:
    codes, size = dictionary_codes(column)
    present = codes[codes >= 0]
    counts = np.bincount(present, minlength=size)
    labels = nominal_values(column)
    order = np.argsort(-counts, kind="stable")
    return _top(
        [(labels[i], int(counts[i])) for i in order if counts[i] > 0],
        missing=int(codes.size - present.size),
    )


def _strings(column: pa.ChunkedArray) -> Distribution:
    if pa.types.is_null(column.type):
        return _top([], missing=len(column))
    counted = pc.value_counts(column.drop_null()).to_pylist()
    pairs = sorted(
        ((str(item["values"]), int(item["counts"])) for item in counted),
        key=lambda pair: (-pair[1], pair[0]),
    )
    return _top(pairs, missing=column.null_count)


def _top(pairs: list[tuple[str, int]], *, missing: int) -> Distribution:
    shown = pairs[:TOP_CATEGORIES]
    return {
        "kind": "categories",
        "top": [{"value": value, "count": count} for value, count in shown],
        "other": sum(count for _, count in pairs[TOP_CATEGORIES:]),
        "missing": missing,
    }
