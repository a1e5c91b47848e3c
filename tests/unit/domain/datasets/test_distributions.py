"""Per-feature distributions: histograms for numbers and dates, top values for categories."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa

from mlhive.server.domain.datasets.distributions import BINS, TOP_CATEGORIES, distributions


def _one(array: pa.Array) -> dict[str, object]:
    return distributions(pa.table({"c": array}))[0]


def test_many_distinct_numbers_make_equal_width_bins_covering_every_value() -> None:
    shape = _one(pa.array([float(i) for i in range(1000)] + [None, float("nan")]))
    bins = shape["bins"]
    assert shape["kind"] == "histogram" and shape["missing"] == 2
    assert isinstance(bins, list) and len(bins) == BINS
    assert bins[0]["start"] == 0.0 and bins[-1]["end"] == 999.0
    assert sum(b["count"] for b in bins) == 1000


def test_few_distinct_numbers_get_one_bar_each() -> None:
    shape = _one(pa.array([1, 1, 2, 5, 5, 5]))
    assert shape["bins"] == [
        {"start": 1.0, "end": 1.0, "count": 2},
        {"start": 2.0, "end": 2.0, "count": 1},
        {"start": 5.0, "end": 5.0, "count": 3},
    ]


def test_categories_are_counted_most_frequent_first_and_the_rest_pooled() -> None:
    values = [f"v{i:02d}" for i in range(20) for _ in range(i + 1)] + [None]
    shape = _one(pa.array(values).dictionary_encode())
    top = shape["top"]
    assert shape["kind"] == "categories" and shape["missing"] == 1
    assert isinstance(top, list) and len(top) == TOP_CATEGORIES
    assert top[0] == {"value": "v19", "count": 20}
    assert shape["other"] == sum(i + 1 for i in range(20 - TOP_CATEGORIES))


def test_booleans_strings_dates_and_empty_columns_all_have_a_shape() -> None:
    table = pa.table(
        {
            "flag": pa.array([True, False, True]),
            "text": pa.array(["a", "b", "a"]),
            "when": pa.array([dt.date(2020, 1, d) for d in (1, 2, 3)]),
            "nothing": pa.array([None, None, None], pa.float64()),
        }
    )
    flag, text, when, nothing = distributions(table)
    assert flag["top"] == [{"value": "True", "count": 2}, {"value": "False", "count": 1}]
    assert text["top"][0] == {"value": "a", "count": 2}
    assert when["kind"] == "histogram" and when["temporal"] is True
    assert nothing["bins"] == [] and nothing["missing"] == 3
    json.dumps([flag, text, when, nothing], allow_nan=False)  # plain JSON, no NaN
