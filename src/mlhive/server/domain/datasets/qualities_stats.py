"""Statistical and information-theoretic dataset qualities, with OpenML's exact definitions.

OpenML computes these in Java with Weka and Apache Commons Math; the conventions below were
reproduced from its published numbers and are documented in ``docs/qualities.md``:

- per-attribute moments are the bias-corrected sample estimators (Commons Math
  ``DescriptiveStatistics``): sample standard deviation (ddof=1, 0 for a single value),
  skewness ``G1`` (needs three values) and excess kurtosis ``G2`` (needs four values); an
  attribute whose statistic is undefined (e.g. a constant column's skewness) is left out of the
  aggregate;
- quartiles use Commons Math's legacy percentile estimate: position ``p * (n + 1)``, linear
  interpolation, clamped to the smallest and largest value;
- entropies are in bits; OpenML's Java code counts a missing nominal value as the attribute's
  first category (Weka stores missing as NaN and ``(int) NaN`` is 0), and divides by the number of
  instances, so we do the same to give the same numbers;
- mutual information is rounded to 14 decimals, as OpenML does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "AttributeMoments",
    "entropy_qualities",
    "legacy_percentile",
    "moments",
    "numeric_qualities",
    "summary_qualities",
]

_PERCENTILES = (("Quartile1", 25.0), ("Quartile2", 50.0), ("Quartile3", 75.0))
_MI_DECIMALS = 1e14
_AGGREGATES = ("Min", "Max", "Mean", "Quartile1", "Quartile2", "Quartile3")

ENTROPY_QUALITY_NAMES: tuple[str, ...] = (
    "ClassEntropy",
    *(f"{aggregate}AttributeEntropy" for aggregate in _AGGREGATES),
    *(f"{aggregate}MutualInformation" for aggregate in _AGGREGATES),
    "EquivalentNumberOfAtts",
    "MeanNoiseToSignalRatio",
)


@dataclass(frozen=True)
class AttributeMoments:
    """Mean, standard deviation, skewness and kurtosis of one attribute (None: undefined)."""

    mean: float | None
    stdev: float | None
    skewness: float | None
    kurtosis: float | None


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def moments(values: pa.Array) -> AttributeMoments:
    """The four moments of a float64 array whose nulls are missing values.

    Args:
        values: the attribute, nulls for missing values.

    Returns:
        The moments with Commons Math's conventions (see the module docstring).
    """
    count = len(values) - values.null_count
    if count == 0:
        return AttributeMoments(None, None, None, None)
    stdev = 0.0 if count == 1 else _finite(pc.stddev(values, ddof=1).as_py())
    spread = stdev is not None and stdev > 0.0
    skewness = pc.skew(values, biased=False).as_py() if count > 2 and spread else None
    kurtosis = pc.kurtosis(values, biased=False).as_py() if count > 3 and spread else None
    return AttributeMoments(
        mean=_finite(pc.mean(values).as_py()),
        stdev=stdev,
        skewness=_finite(skewness),
        kurtosis=_finite(kurtosis),
    )


def legacy_percentile(values: Sequence[float] | np.ndarray, percent: float) -> float | None:
    """Commons Math's default (legacy) percentile: position ``p(n+1)``, interpolated and clamped.

    Args:
        values: the sample (need not be sorted).
        percent: between 0 and 100.

    Returns:
        The percentile, or None for an empty sample.
    """
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    size = ordered.size
    if size == 0:
        return None
    position = percent * (size + 1) / 100.0
    if position < 1:
        return float(ordered[0])
    if position >= size:
        return float(ordered[-1])
    lower = math.floor(position)
    fraction = position - lower
    return float(ordered[lower - 1] + fraction * (ordered[lower] - ordered[lower - 1]))


def summary_qualities(
    prefix_free_name: str, values: Sequence[float], *, stdev_name: str | None = None
) -> dict[str, float | None]:
    """Min, Max, Mean and the three quartiles of a list of per-attribute values.

    Args:
        prefix_free_name: the quality name without its aggregate prefix, e.g.
            ``"MeansOfNumericAtts"`` gives ``MinMeansOfNumericAtts`` to
            ``Quartile3MeansOfNumericAtts``.
        values: one value per attribute.
        stdev_name: if given, also the sample standard deviation under this full name.

    Returns:
        The qualities, all None when ``values`` is empty.
    """
    array = np.asarray(values, dtype=np.float64)
    empty = array.size == 0
    result: dict[str, float | None] = {
        f"Min{prefix_free_name}": None if empty else float(array.min()),
        f"Max{prefix_free_name}": None if empty else float(array.max()),
        f"Mean{prefix_free_name}": None if empty else float(array.mean()),
    }
    for label, percent in _PERCENTILES:
        result[f"{label}{prefix_free_name}"] = legacy_percentile(array, percent)
    if stdev_name is not None:
        result[stdev_name] = None if empty else _sample_stdev(array)
    return result


def _sample_stdev(array: np.ndarray) -> float:
    return 0.0 if array.size == 1 else float(np.std(array, ddof=1))


def numeric_qualities(per_attribute: Sequence[AttributeMoments]) -> dict[str, float | None]:
    """The ``{Min,Max,Mean,Quartile1-3}{Means,StdDev,Skewness,Kurtosis}OfNumericAtts`` qualities."""
    result: dict[str, float | None] = {}
    for name, field in (
        ("Means", "mean"),
        ("StdDev", "stdev"),
        ("Skewness", "skewness"),
        ("Kurtosis", "kurtosis"),
    ):
        defined = [v for m in per_attribute if (v := getattr(m, field)) is not None]
        result.update(summary_qualities(f"{name}OfNumericAtts", defined))
    return result


def _entropy_bits(counts: np.ndarray, total: int) -> float:
    """Entropy in bits of a count vector, probabilities relative to ``total``."""
    positive = counts[counts > 0].astype(np.float64)
    probabilities = positive / total
    # Adding 0.0 turns the -0.0 of a pure distribution into 0.0.
    return float(-(probabilities * np.log2(probabilities)).sum()) + 0.0


def _counts_with_missing_as_first(codes: np.ndarray, size: int) -> np.ndarray:
    """Value counts where a missing value (-1) counts as category 0, like OpenML's Java code."""
    return np.bincount(np.maximum(codes, 0), minlength=max(size, 1))


def _mutual_information(
    attribute: np.ndarray, attribute_size: int, target: np.ndarray, target_size: int
) -> float:
    """Information gain of the class given the attribute, in bits, rounded like OpenML."""
    rows = max(attribute_size, 1)
    columns = max(target_size, 1)
    joint = np.bincount(
        np.maximum(attribute, 0) * columns + np.maximum(target, 0), minlength=rows * columns
    ).reshape(rows, columns)
    total = int(joint.sum())
    gain = _entropy_bits(joint.sum(axis=0), total)
    for row in joint:
        size = int(row.sum())
        if size > 0:
            gain -= size / total * _entropy_bits(row, size)
    return math.floor(gain * _MI_DECIMALS + 0.5) / _MI_DECIMALS


def entropy_qualities(
    nominal_attributes: Sequence[tuple[np.ndarray, int]],
    target: tuple[np.ndarray, int] | None,
) -> dict[str, float | None]:
    """ClassEntropy, attribute entropies, mutual information and the ratios built on them.

    Args:
        nominal_attributes: ``(codes, number of categories)`` of each nominal attribute other
            than the target; codes are -1 where missing.
        target: the nominal target's codes and category count, or None when the dataset has no
            nominal target (then every quality here is None).

    Returns:
        ClassEntropy, {Min,Max,Mean,Quartile1-3}{AttributeEntropy,MutualInformation},
        EquivalentNumberOfAtts and MeanNoiseToSignalRatio.
    """
    if target is None or target[0].size == 0:
        return dict.fromkeys(ENTROPY_QUALITY_NAMES)
    target_codes, target_size = target
    total = target_codes.size
    entropies = [
        _entropy_bits(_counts_with_missing_as_first(codes, size), total)
        for codes, size in nominal_attributes
    ]
    information = [
        _mutual_information(codes, size, target_codes, target_size)
        for codes, size in nominal_attributes
    ]
    class_entropy = _entropy_bits(_counts_with_missing_as_first(target_codes, target_size), total)
    result: dict[str, float | None] = {"ClassEntropy": class_entropy}
    result.update(summary_qualities("AttributeEntropy", entropies))
    result.update(summary_qualities("MutualInformation", information))
    result.update(_ratios(class_entropy, result))
    return result


def _ratios(class_entropy: float, result: dict[str, float | None]) -> dict[str, float | None]:
    """EquivalentNumberOfAtts and MeanNoiseToSignalRatio: None unless mean MI is positive."""
    information = result["MeanMutualInformation"]
    entropy = result["MeanAttributeEntropy"]
    if information is None or information <= 0 or entropy is None:
        return {"EquivalentNumberOfAtts": None, "MeanNoiseToSignalRatio": None}
    return {
        "EquivalentNumberOfAtts": class_entropy / information,
        "MeanNoiseToSignalRatio": (entropy - information) / information,
    }
