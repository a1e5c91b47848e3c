"""Tables that hold what users put in datasets: gaps, declared categories, awkward text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

import pyarrow as pa
import pytest

AWKWARD_TEXT = "a, \"quoted\" 'x' 100% {b} \\ 🙂"


def nominal(values: Sequence[str | None], categories: Sequence[str]) -> pa.Array:
    """A nominal column with declared categories in the given order."""
    indices = [None if v is None else list(categories).index(v) for v in values]
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(categories))


def make_table() -> pa.Table:
    """Every column type, a missing value in each, and text that needs quoting or escaping."""
    return pa.table(
        {
            "age": pa.array([31, None, 45, 7], pa.int64()),
            "height m": pa.array([1.75, 0.1, None, 1e-7]),
            "colour": nominal(["red", None, "blue", "red"], ["red", "green", "blue"]),
            "city": pa.array(["Zürich", "東京", None, AWKWARD_TEXT]),
            "note": pa.array(["line\nbreak\ttab", "?", "NA", ""]),
            "flag": pa.array([True, None, False, True]),
            "day": pa.array([date(2020, 1, 2), None, date(1999, 12, 31), date(2024, 2, 29)]),
            "seen": pa.array(
                [datetime(2020, 1, 2, 3, 4, 5), None, datetime(1970, 1, 1), datetime(2038, 1, 19)],
                pa.timestamp("us"),
            ),
        }
    )


@pytest.fixture
def table() -> pa.Table:
    return make_table()


@pytest.fixture(name="nominal")
def nominal_fixture() -> Callable[[Sequence[str | None], Sequence[str]], pa.Array]:
    return nominal
