"""Per-feature summaries: types, categories, missing and distinct counts, numeric moments, flags."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mlhive.server.domain.datasets.features import FeatureSummary, summarize_features
from mlhive.server.domain.datasets.qualities import compute_qualities


def _nominal(values: list[str | None], categories: list[str]) -> pa.DictionaryArray:
    codes = pa.array([None if v is None else categories.index(v) for v in values], pa.int32())
    return pa.DictionaryArray.from_arrays(codes, pa.array(categories))


@pytest.fixture
def table() -> pa.Table:
    """Six rows, every type, at least one missing value in every column."""
    return pa.table(
        {
            "id": pa.array([1, 2, 3, 4, 5, None], pa.int64()),
            "size": pa.array([1.5, None, 2.5, float("nan"), 10.0, 1.5]),
            "count": pa.array([3, 3, None, 7, 1, 0], pa.int32()),
            "colour": _nominal(["red", None, "red", "blue", "red", None], ["red", "green", "blue"]),
            "flag": pa.array([True, None, False, True, True, True]),
            "note": pa.array(["a", "b", None, "a", "c", "c"]),
            "when": pa.array([dt.date(2024, 1, d) if d else None for d in (1, 2, 2, 0, 5, 6)]),
            "label": _nominal(["x", "y", "x", None, "y", "y"], ["x", "y"]),
        }
    )


@pytest.fixture
def summaries(table: pa.Table) -> dict[str, FeatureSummary]:
    found = summarize_features(table, target="label", ignore=["note"], row_id="id")
    return {s.name: s for s in found}


def test_one_summary_per_column_in_order(table: pa.Table) -> None:
    found = summarize_features(table)
    assert [(s.index, s.name) for s in found] == list(enumerate(table.column_names))


def test_data_types_follow_the_arrow_types(summaries: dict[str, FeatureSummary]) -> None:
    assert {name: s.data_type for name, s in summaries.items()} == {
        "id": "numeric",
        "size": "numeric",
        "count": "numeric",
        "colour": "nominal",
        "flag": "nominal",
        "note": "string",
        "when": "date",
        "label": "nominal",
    }


def test_nominal_values_are_the_declared_categories(
    summaries: dict[str, FeatureSummary],
) -> None:
    assert summaries["colour"].nominal_values == ["red", "green", "blue"]
    assert summaries["flag"].nominal_values == ["False", "True"]
    assert summaries["size"].nominal_values is None
    assert summaries["note"].nominal_values is None


def test_missing_values_count_nulls_and_nan(summaries: dict[str, FeatureSummary]) -> None:
    missing = {name: s.number_of_missing_values for name, s in summaries.items()}
    assert missing == {
        "id": 1,
        "size": 2,  # one null and one NaN
        "count": 1,
        "colour": 2,
        "flag": 1,
        "note": 1,
        "when": 1,
        "label": 1,
    }


def test_distinct_values_count_present_values_only(
    summaries: dict[str, FeatureSummary],
) -> None:
    distinct = {name: s.number_of_distinct_values for name, s in summaries.items()}
    # "green" is declared but never used, so colour has two distinct values, not three.
    assert distinct == {
        "id": 5,
        "size": 3,
        "count": 4,
        "colour": 2,
        "flag": 2,
        "note": 3,
        "when": 4,
        "label": 2,
    }


@pytest.mark.parametrize("column", ["id", "size", "count"])
def test_numeric_moments_agree_with_pandas(table: pa.Table, column: str) -> None:
    summary = summarize_features(table)[table.column_names.index(column)]
    series = pd.Series(table.column(column).to_numpy(zero_copy_only=False), dtype="float64")
    assert summary.minimum == pytest.approx(series.min())
    assert summary.maximum == pytest.approx(series.max())
    assert summary.mean == pytest.approx(series.mean())
    assert summary.stdev == pytest.approx(series.std(ddof=1))


def test_moments_are_only_for_numeric_columns(summaries: dict[str, FeatureSummary]) -> None:
    for name in ("colour", "flag", "note", "when", "label"):
        s = summaries[name]
        assert (s.minimum, s.maximum, s.mean, s.stdev) == (None, None, None, None), name


def test_stdev_is_the_sample_standard_deviation() -> None:
    (summary,) = summarize_features(pa.table({"x": [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]}))
    assert summary.stdev == pytest.approx(math.sqrt(32 / 7))


def test_flags_mark_target_ignored_and_row_id(summaries: dict[str, FeatureSummary]) -> None:
    flags = {name: (s.is_target, s.is_ignore, s.is_row_identifier) for name, s in summaries.items()}
    assert flags["label"] == (True, False, False)
    assert flags["note"] == (False, True, False)
    assert flags["id"] == (False, False, True)
    assert flags["size"] == (False, False, False)


def test_several_targets_can_be_flagged(table: pa.Table) -> None:
    found = summarize_features(table, target=["label", "flag"])
    assert {s.name for s in found if s.is_target} == {"label", "flag"}


def test_all_missing_and_single_row_columns_have_no_moments() -> None:
    table = pa.table({"empty": pa.array([None, None], pa.float64()), "one": [1.0, None]})
    empty, one = summarize_features(table)
    assert (empty.number_of_missing_values, empty.number_of_distinct_values) == (2, 0)
    assert (empty.minimum, empty.mean, empty.stdev) == (None, None, None)
    assert (one.minimum, one.maximum, one.mean, one.stdev) == (1.0, 1.0, 1.0, None)


def test_constant_column_has_zero_stdev() -> None:
    (summary,) = summarize_features(pa.table({"c": [3, 3, 3]}))
    assert (summary.number_of_distinct_values, summary.stdev) == (1, 0.0)


def test_nominal_column_in_chunks_with_different_dictionaries() -> None:
    column = pa.chunked_array([_nominal(["a", "b"], ["a", "b"]), _nominal(["c", None], ["c"])])
    (summary,) = summarize_features(pa.table({"n": column}))
    assert summary.nominal_values == ["a", "b", "c"]
    assert (summary.number_of_distinct_values, summary.number_of_missing_values) == (3, 1)


def test_infinite_values_give_no_mean() -> None:
    (summary,) = summarize_features(pa.table({"x": [1.0, np.inf, 2.0]}))
    assert summary.maximum is None
    assert summary.mean is None
    assert summary.minimum == 1.0


def test_unknown_attribute_names_are_rejected(table: pa.Table) -> None:
    with pytest.raises(ValueError, match="nope"):
        summarize_features(table, target="nope")


def test_ids_beyond_float_precision_and_microsecond_times_are_summarised() -> None:
    # Snowflake-style ids and pandas' microsecond timestamps are ordinary data.
    table = pa.table(
        {
            "id": pa.array([1945555039024054273, 3, 5], pa.int64()),
            "seen": pa.array([dt.datetime(2020, 1, 2, 0, 0, 0, 1), dt.datetime(2021, 1, 1), None]),
            "label": ["a", "b", "a"],
        }
    )

    ids, seen, _ = summarize_features(table, target="label")

    assert ids.maximum == pytest.approx(1.945555039024054e18)
    assert (seen.data_type, seen.number_of_missing_values) == ("date", 1)
    qualities = compute_qualities(table, target="label")
    assert qualities["NumberOfInstances"] == 3
