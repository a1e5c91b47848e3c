"""Dataset qualities (meta-features) under OpenML's names and with OpenML's definitions.

:func:`compute_qualities` is what the server runs when a dataset is processed. Which attributes
count follows OpenML: ignored and row-id attributes are dropped first; the target stays in
(it is counted in ``NumberOfFeatures``, the feature-type counts, the nominal distinct-value
statistics and, when numeric, the numeric-attribute statistics). Date attributes count as
numeric, as in Weka. String attributes count as features and in the missing-value counts only.

Everything except the landmarkers is computed over the full table with vectorised kernels; the
landmarkers (see :mod:`mlhive.server.domain.landmarkers`) use a seeded sample. Every quality name
in :data:`QUALITY_NAMES` is always present; a quality that does not apply is ``None``, never NaN,
so the result is JSON-serialisable as is. Definitions and the comparison with OpenML's published
values are in ``docs/qualities.md``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mlhive.formats.types import FeatureType, feature_type
from mlhive.server.domain.datasets.features import as_name_set, dictionary_codes, numeric_values
from mlhive.server.domain.datasets.landmarkers import LANDMARKER_QUALITY_NAMES, landmarker_qualities
from mlhive.server.domain.datasets.qualities_stats import (
    ENTROPY_QUALITY_NAMES,
    entropy_qualities,
    moments,
    numeric_qualities,
    summary_qualities,
)

__all__ = ["DEFAULT_SAMPLE_ROWS", "QUALITY_GROUPS", "QUALITY_NAMES", "compute_qualities"]

DEFAULT_SAMPLE_ROWS = 5000
"""Rows drawn (with the seed) for the landmarkers, the only super-linear qualities."""

SIMPLE_QUALITY_NAMES: tuple[str, ...] = (
    "NumberOfInstances",
    "NumberOfFeatures",
    "NumberOfClasses",
    "Dimensionality",
    "NumberOfInstancesWithMissingValues",
    "NumberOfMissingValues",
    "PercentageOfInstancesWithMissingValues",
    "PercentageOfMissingValues",
    "NumberOfNumericFeatures",
    "NumberOfSymbolicFeatures",
    "NumberOfBinaryFeatures",
    "PercentageOfNumericFeatures",
    "PercentageOfSymbolicFeatures",
    "PercentageOfBinaryFeatures",
    "MajorityClassSize",
    "MinorityClassSize",
    "MajorityClassPercentage",
    "MinorityClassPercentage",
    "AutoCorrelation",
)
_AGGREGATES = ("Min", "Max", "Mean", "Quartile1", "Quartile2", "Quartile3")
NUMERIC_QUALITY_NAMES: tuple[str, ...] = tuple(
    f"{aggregate}{statistic}OfNumericAtts"
    for statistic in ("Means", "StdDev", "Skewness", "Kurtosis")
    for aggregate in _AGGREGATES
)
DISTINCT_QUALITY_NAMES: tuple[str, ...] = (
    "MinNominalAttDistinctValues",
    "MaxNominalAttDistinctValues",
    "MeanNominalAttDistinctValues",
    "StdvNominalAttDistinctValues",
)
QUALITY_NAMES: tuple[str, ...] = (
    *SIMPLE_QUALITY_NAMES,
    *NUMERIC_QUALITY_NAMES,
    *DISTINCT_QUALITY_NAMES,
    *ENTROPY_QUALITY_NAMES,
    *LANDMARKER_QUALITY_NAMES,
)
"""Every quality :func:`compute_qualities` returns, in a stable order."""
QUALITY_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Simple", SIMPLE_QUALITY_NAMES),
    ("Statistical", (*NUMERIC_QUALITY_NAMES, *DISTINCT_QUALITY_NAMES)),
    ("Information-theoretic", ENTROPY_QUALITY_NAMES),
    ("Landmarkers", LANDMARKER_QUALITY_NAMES),
)
"""The qualities in OpenML's groups (``docs/qualities.md``), each in its stable order."""


@dataclass(frozen=True)
class _Attribute:
    """One counted attribute, decoded once: float values or category codes."""

    name: str
    kind: FeatureType
    missing: np.ndarray | None  # boolean mask; None when nothing is missing
    values: pa.Array | None = None  # numeric and date: float64 with nulls
    codes: np.ndarray | None = None  # nominal: int64, -1 where missing
    size: int = 0  # nominal: number of declared categories


def compute_qualities(
    table: pa.Table,
    *,
    target: str | None,
    ignore: str | Collection[str] = (),
    row_id: str | None = None,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    seed: int = 0,
) -> dict[str, float | None]:
    """Compute OpenML's dataset qualities.

    Args:
        table: the dataset in canonical Arrow form (see :mod:`mlhive.formats.types`).
        target: the default target attribute; nominal means classification (class qualities,
            entropies and landmarkers), numeric means regression, None means neither.
        ignore: attributes left out of every quality.
        row_id: the row-identifier attribute, left out of every quality.
        sample_rows: at most this many rows (drawn with ``seed``) train the landmarkers.
        seed: seed of that draw and of the landmarkers' cross-validation folds.

    Returns:
        A value (or None where the quality does not apply) for every name in
        :data:`QUALITY_NAMES`; never NaN or infinity.

    Raises:
        ValueError: if ``target``, ``ignore`` or ``row_id`` names no column, the target is
            ignored, or a column has a type a dataset cannot have.
    """
    dropped = as_name_set(ignore) | as_name_set(row_id)
    named = dropped | as_name_set(target)
    unknown = named - set(table.column_names)
    if unknown:
        raise ValueError(f"attributes not in the dataset: {sorted(unknown)}")
    if target is not None and target in dropped:
        raise ValueError(f"the target {target!r} cannot be ignored or the row id")
    attributes = [
        _decode(name, table.column(name)) for name in table.column_names if name not in dropped
    ]
    target_attribute = next((a for a in attributes if a.name == target), None)
    nominal_target = target_attribute if _is_nominal(target_attribute) else None
    result: dict[str, float | None] = {}
    result.update(_simple_qualities(table.num_rows, attributes, target_attribute))
    result.update(
        numeric_qualities([moments(a.values) for a in attributes if a.values is not None])
    )
    result.update(_distinct_value_qualities(attributes))
    result.update(
        entropy_qualities(
            [
                _code_pair(a)
                for a in attributes
                if a.codes is not None and a is not target_attribute
            ],
            _code_pair(nominal_target) if nominal_target is not None else None,
        )
    )
    result.update(
        landmarker_qualities(
            table.select([a.name for a in attributes]),
            target=nominal_target.name if nominal_target is not None else None,
            sample_rows=sample_rows,
            seed=seed,
        )
    )
    return {name: result.get(name) for name in QUALITY_NAMES}


def _is_nominal(attribute: _Attribute | None) -> bool:
    return attribute is not None and attribute.codes is not None


def _code_pair(attribute: _Attribute) -> tuple[np.ndarray, int]:
    if attribute.codes is None:
        raise ValueError("only a nominal attribute has category codes")
    return attribute.codes, attribute.size


def _decode(name: str, column: pa.ChunkedArray) -> _Attribute:
    kind = feature_type(column.type)
    if kind in ("numeric", "date"):
        values = numeric_values(column)
        return _Attribute(name, kind, _null_mask(values), values=values)
    if kind == "nominal":
        codes, size = dictionary_codes(column)
        missing = codes < 0
        return _Attribute(name, kind, missing if missing.any() else None, codes=codes, size=size)
    return _Attribute(name, kind, _null_mask(column))


def _null_mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    if values.null_count == 0:
        return None
    return np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)


def _percentage(part: float, whole: float) -> float | None:
    return part / whole * 100.0 if whole > 0 else None


def _simple_qualities(
    rows: int, attributes: list[_Attribute], target: _Attribute | None
) -> dict[str, float | None]:
    features = len(attributes)
    numeric = sum(a.values is not None for a in attributes)
    symbolic = sum(a.codes is not None for a in attributes)
    binary = sum(a.codes is not None and a.size == 2 for a in attributes)
    missing_masks = [a.missing for a in attributes if a.missing is not None]
    missing = sum(int(mask.sum()) for mask in missing_masks)
    incomplete = int(np.logical_or.reduce(missing_masks).sum()) if missing_masks else 0
    result: dict[str, float | None] = {
        "NumberOfInstances": float(rows),
        "NumberOfFeatures": float(features),
        "Dimensionality": features / rows if rows > 0 else 0.0,
        "NumberOfMissingValues": float(missing),
        "NumberOfInstancesWithMissingValues": float(incomplete),
        "PercentageOfMissingValues": _percentage(missing, features * rows),
        "PercentageOfInstancesWithMissingValues": _percentage(incomplete, rows),
        "NumberOfNumericFeatures": float(numeric),
        "NumberOfSymbolicFeatures": float(symbolic),
        "NumberOfBinaryFeatures": float(binary),
        "PercentageOfNumericFeatures": _percentage(numeric, features),
        "PercentageOfSymbolicFeatures": _percentage(symbolic, features),
        "PercentageOfBinaryFeatures": _percentage(binary, features),
        "AutoCorrelation": _auto_correlation(target),
    }
    result.update(_class_qualities(rows, target))
    return result


def _auto_correlation(target: _Attribute | None) -> float | None:
    """OpenML's AutoCorrelation: how much consecutive instances agree on the target.

    Nominal target: the fraction of consecutive pairs with the same (non-missing) class.
    Numeric target: ``(n - 1 - sum |y[i] - y[i-1]|) / (n - 1)`` (None if a target is missing);
    this is the formula behind OpenML's published values, and it is not bounded below.
    """
    if target is None:
        return None
    if target.codes is not None:
        codes = target.codes
        if codes.size < 2:
            return None
        same = int(np.count_nonzero((codes[1:] == codes[:-1]) & (codes[1:] >= 0)))
        return same / (codes.size - 1)
    values = target.values
    if values is None or len(values) < 2 or values.null_count:
        return None
    array = values.to_numpy(zero_copy_only=False)
    pairs = array.size - 1
    return float((pairs - np.abs(np.diff(array)).sum()) / pairs)


def _class_qualities(rows: int, target: _Attribute | None) -> dict[str, float | None]:
    """NumberOfClasses and the majority/minority class sizes (missing targets not counted)."""
    result: dict[str, float | None] = {
        "NumberOfClasses": None,
        "MajorityClassSize": None,
        "MinorityClassSize": None,
        "MajorityClassPercentage": None,
        "MinorityClassPercentage": None,
    }
    if target is None:
        return result
    if target.codes is None:
        result["NumberOfClasses"] = 0.0 if target.values is not None else None
        return result
    counts = np.bincount(target.codes[target.codes >= 0], minlength=target.size)
    counts = counts[counts > 0]
    result["NumberOfClasses"] = float(counts.size)
    if counts.size:
        result["MajorityClassSize"] = float(counts.max())
        result["MinorityClassSize"] = float(counts.min())
        result["MajorityClassPercentage"] = _percentage(float(counts.max()), rows)
        result["MinorityClassPercentage"] = _percentage(float(counts.min()), rows)
    return result


def _distinct_value_qualities(attributes: list[_Attribute]) -> dict[str, float | None]:
    """Statistics of the number of distinct (present) values of every nominal attribute."""
    distinct = [
        float(np.count_nonzero(np.bincount(a.codes[a.codes >= 0], minlength=a.size)))
        for a in attributes
        if a.codes is not None
    ]
    summary = summary_qualities(
        "NominalAttDistinctValues", distinct, stdev_name="StdvNominalAttDistinctValues"
    )
    return {name: summary[name] for name in DISTINCT_QUALITY_NAMES}
