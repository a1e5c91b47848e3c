"""What a process records of a deployment's calls: percentiles within their bucket's bounds,
exact counts and sums, text values pooled past the first 50, and lookups that never outlive
a write."""

from __future__ import annotations

import math

import numpy as np

from mlhive.server.domain.serving.inputs import Schema, Table
from mlhive.server.services.serving.monitor import (
    CATEGORIES_KEPT,
    OTHER,
    Monitor,
    bucket_of,
    percentile,
)
from mlhive.server.services.serving.runtime import Recent

SCHEMA = Schema(columns=(("size", "float64"), ("colour", "str")))


def test_percentiles_are_within_six_percent_of_the_true_ones() -> None:
    rng = np.random.default_rng(0)
    times = rng.lognormal(mean=0.0, sigma=1.0, size=5000)  # milliseconds, 0.05 to 30
    histogram: dict[int, int] = {}
    for ms in times:
        histogram[bucket_of(float(ms))] = histogram.get(bucket_of(float(ms)), 0) + 1
    assert sum(histogram.values()) == 5000
    for share in (0.5, 0.9, 0.99):
        true = float(np.quantile(times, share, method="inverted_cdf"))
        found = percentile(histogram, share)
        assert found is not None and abs(found / true - 1) < 0.06, (share, found, true)
    assert percentile({}, 0.5) is None


def test_inputs_are_counted_exactly_and_text_values_past_the_first_fifty_are_pooled() -> None:
    monitor = Monitor()
    sizes = [1.0, None, 3.0, float("nan")]
    colours = ["red", None, "blue", "red"]
    monitor.record(7, 0.5, Table(n_rows=4, columns={"size": sizes, "colour": colours}), SCHEMA)
    many = [f"c{i}" for i in range(CATEGORIES_KEPT + 10)]
    table = Table(n_rows=len(many), columns={"size": [2.0] * len(many), "colour": many})
    monitor.record(7, 0.7, table, SCHEMA)
    recorded = monitor.pending(7)
    size, colour = recorded.columns["size"], recorded.columns["colour"]
    assert (size.values, size.missing) == (4 + len(many), 2)
    assert math.isclose(size.total, 4.0 + 2.0 * len(many))
    assert (colour.missing, colour.categories["red"], colour.categories["blue"]) == (1, 2, 1)
    # red and blue came first: 48 of the new values are kept by name, 12 pooled.
    assert colour.categories[OTHER] == len(many) - (CATEGORIES_KEPT - 2)
    assert sum(recorded.latency.values()) == 2
    taken = monitor.take()
    assert monitor.pending(7).columns == {} and 7 in taken
    monitor.give_back(taken)
    assert monitor.pending(7).columns["size"].values == 4 + len(many)


def test_unnamed_inputs_are_summarised_by_position() -> None:
    monitor = Monitor()
    monitor.record(1, 0.1, Table(n_rows=2, matrix=[[1.0, None], [3.0, 4.0]]), Schema(width=2))
    columns = monitor.pending(1).columns
    assert (columns["[0]"].total, columns["[1]"].missing) == (4.0, 1)


def test_a_lookup_read_before_a_write_is_not_kept_after_it() -> None:
    lookups = Recent(ttl=60)
    lookups.put("a", 1, lookups.generation)
    assert lookups.get("a") == 1
    started = lookups.generation  # a lookup starts reading ...
    lookups.invalidate()  # ... a write commits meanwhile ...
    lookups.put("b", 2, started)  # ... and what it read is not kept
    assert (lookups.get("a"), lookups.get("b")) == (None, None)
    lookups.put("b", 3, lookups.generation)
    assert lookups.get("b") == 3
    expired = Recent(ttl=0.0)
    expired.put("c", 4, expired.generation)
    assert expired.get("c") is None
