"""Per-feature summaries of a dataset, as OpenML lists them under ``data/features``.

The input is the canonical Arrow form of a dataset (see :mod:`mlhive.formats.types`). Every
statistic is computed with vectorised ``pyarrow.compute`` kernels over the full table, so a
10-million-row table is summarised in seconds. Floating-point NaN counts as missing, like a null,
because tables converted from pandas may carry either.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from mlhive.formats.types import FeatureType, feature_type, nominal_values

_MAX_WORKERS = 8

__all__ = [
    "FeatureSummary",
    "as_name_set",
    "dictionary_codes",
    "numeric_values",
    "summarize_features",
]


@dataclass(frozen=True)
class FeatureSummary:
    """What OpenML reports about one column of a dataset.

    ``minimum``, ``maximum``, ``mean`` and ``stdev`` are set for numeric columns only (``None``
    otherwise, or when the column has no value); ``stdev`` is the sample standard deviation
    (ddof=1), as OpenML and Weka report it, and ``None`` below two values.
    """

    index: int
    name: str
    data_type: FeatureType
    nominal_values: list[str] | None
    number_of_missing_values: int
    number_of_distinct_values: int
    minimum: float | None
    maximum: float | None
    mean: float | None
    stdev: float | None
    is_target: bool
    is_ignore: bool
    is_row_identifier: bool
    # Filled in by type_report.explain once the reader's notes are at hand.
    reason: str | None = None
    dirty_values: list[dict[str, Any]] | None = None


def as_name_set(names: str | Collection[str] | None) -> frozenset[str]:
    """Normalise an optional attribute name or collection of names into a set."""
    if names is None:
        return frozenset()
    if isinstance(names, str):
        return frozenset({names})
    return frozenset(names)


def numeric_values(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The column as one float64 array in which NaN has been turned into null.

    Dates and timestamps become milliseconds since the epoch, which is how Weka (and so OpenML)
    sees them.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    dtype = column.type
    # Statistics need no more than float precision: ids beyond 2**53 and microseconds are
    # rounded off rather than refused.
    if pat.is_date(dtype) or pat.is_timestamp(dtype):
        column = column.cast(pa.timestamp("ms"), safe=False).cast(pa.int64())
    values = column.cast(pa.float64(), safe=False)
    nan_mask = pc.is_nan(values)
    if pc.any(nan_mask).as_py():
        values = pc.if_else(nan_mask, pa.scalar(None, pa.float64()), values)
    return values


def dictionary_codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, int]:
    """The category codes of a nominal column and the number of declared categories.

    Returns:
        An int64 array with -1 where the value is missing, and the category count (2 for
        booleans, where False is 0 and True is 1).
    """
    if isinstance(column, pa.ChunkedArray):
        if pat.is_dictionary(column.type) and column.num_chunks > 1:
            column = column.unify_dictionaries()
        column = column.combine_chunks() if column.num_chunks > 0 else pa.array([], column.type)
    if pat.is_boolean(column.type):
        codes, size = column.cast(pa.int8()), 2
    else:
        if not isinstance(column, pa.DictionaryArray):
            raise TypeError(f"a nominal column must be dictionary-encoded, not {column.type}")
        codes, size = column.indices, len(column.dictionary)
    if codes.null_count:
        codes = pc.fill_null(codes, -1)
    return codes.to_numpy(zero_copy_only=False).astype(np.int64, copy=False), size


def summarize_features(
    table: pa.Table,
    *,
    target: str | Collection[str] | None = None,
    ignore: str | Collection[str] | None = None,
    row_id: str | None = None,
) -> list[FeatureSummary]:
    """Summarise every column of a dataset, in column order.

    Args:
        table: the dataset in canonical Arrow form.
        target: the default target attribute(s), if any.
        ignore: attributes flagged as ignored.
        row_id: the row-identifier attribute, if any.

    Returns:
        One :class:`FeatureSummary` per column.

    Raises:
        ValueError: if a column has a type a dataset cannot have, or if a named target, ignored
            or row-id attribute is not a column of the table.
    """
    targets, ignored = as_name_set(target), as_name_set(ignore)
    unknown = (targets | ignored | as_name_set(row_id)) - set(table.column_names)
    if unknown:
        raise ValueError(f"attributes not in the dataset: {sorted(unknown)}")

    names = table.column_names  # builds a list each time it is read: once, not per column

    def summarize(index: int) -> FeatureSummary:
        name = names[index]
        return _summarize_column(
            index,
            name,
            table.column(index),
            is_target=name in targets,
            is_ignore=name in ignored,
            is_row_identifier=name == row_id,
        )

    # Sorting and Arrow kernels release the GIL, so columns are summarised in parallel.
    with ThreadPoolExecutor(max_workers=min(_MAX_WORKERS, os.cpu_count() or 1)) as pool:
        return list(pool.map(summarize, range(table.num_columns)))


def _summarize_column(
    index: int,
    name: str,
    column: pa.ChunkedArray,
    *,
    is_target: bool,
    is_ignore: bool,
    is_row_identifier: bool,
) -> FeatureSummary:
    kind = feature_type(column.type)
    moments: tuple[float | None, float | None, float | None, float | None] = (None,) * 4
    if kind == "numeric":
        values = numeric_values(column)
        missing, distinct = values.null_count, _count_distinct_numbers(values)
        moments = _moments(values)
    elif kind == "nominal":
        codes, size = dictionary_codes(column)
        present = codes[codes >= 0]
        missing = int(codes.size - present.size)
        distinct = int(np.count_nonzero(np.bincount(present, minlength=size)))
    else:
        missing, distinct = column.null_count, _count_distinct(column)
    return FeatureSummary(
        index=index,
        name=name,
        data_type=kind,
        nominal_values=nominal_values(column) if kind == "nominal" else None,
        number_of_missing_values=int(missing),
        number_of_distinct_values=distinct,
        minimum=moments[0],
        maximum=moments[1],
        mean=moments[2],
        stdev=moments[3],
        is_target=is_target,
        is_ignore=is_ignore,
        is_row_identifier=is_row_identifier,
    )


def _count_distinct(values: pa.Array | pa.ChunkedArray) -> int:
    if pa.types.is_null(values.type):  # a column with no value at all (e.g. empty in a CSV)
        return 0
    return int(pc.count_distinct(values, mode="only_valid").as_py())


def _count_distinct_numbers(values: pa.Array) -> int:
    """Distinct non-null numbers; sorting beats Arrow's hash kernel on mostly-unique floats."""
    ordered = np.sort(values.drop_null().to_numpy(zero_copy_only=False))
    if ordered.size == 0:
        return 0
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1


def _moments(
    values: pa.Array,
) -> tuple[float | None, float | None, float | None, float | None]:
    """Minimum, maximum, mean and sample standard deviation, ``None`` where undefined."""
    extremes = pc.min_max(values)
    return (
        _finite(extremes["min"].as_py()),
        _finite(extremes["max"].as_py()),
        _finite(pc.mean(values).as_py()),
        _finite(pc.stddev(values, ddof=1, min_count=2).as_py()),
    )


def _finite(value: float | None) -> float | None:
    """Keep a statistic only if it is a finite number (JSON has no NaN or infinity)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)
