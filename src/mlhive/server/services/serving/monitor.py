"""What one process records about a deployment's calls before it reaches the database:
answer times as a histogram, and a summary of the inputs per column.

Both are merged into stored rows (``deployment_latency``, ``deployment_inputs``) by the same
flush that writes the call counts, so every process's calls add up.

- **Latency** goes into fixed buckets, 20 per decade from 10 microseconds to 100 seconds (and
  one bucket each for anything faster or slower). The count of calls is exact; a percentile is
  the middle of its bucket, so it is within about 6 % of the true value.
- **Inputs**: per column, the values seen and the missing ones (null, or NaN in a number
  column) exactly; for numbers their sum and sum of squares (so the mean and spread are
  exact up to floating point); for text the count of each value, the first
  ``CATEGORIES_KEPT`` distinct values of a column by name and the rest as ``OTHER``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

from mlhive.server.domain.serving.inputs import Schema, Table, kind_of

BUCKETS_PER_DECADE = 20
FLOOR_MS = 0.01
"""Bucket 0 holds every answer faster than this; bucket ``i`` starts at
``FLOOR_MS * 10 ** ((i - 1) / BUCKETS_PER_DECADE)``."""
LAST_BUCKET = 7 * BUCKETS_PER_DECADE + 1  # 100 s and slower
CATEGORIES_KEPT = 50
OTHER = "\x00other"
"""The category of the text values beyond the first ``CATEGORIES_KEPT`` of a column."""
SUMMARY = ""
"""The category of a column's summary row (values seen, missing, sum, sum of squares)."""
MAX_CATEGORY = 100
"""Characters of a text value kept as its category."""


def bucket_of(ms: float) -> int:
    """The histogram bucket of an answer that took ``ms`` milliseconds."""
    if ms < FLOOR_MS:
        return 0
    index = 1 + int(math.log10(ms / FLOOR_MS) * BUCKETS_PER_DECADE)
    return min(index, LAST_BUCKET)


def bucket_middle(index: int) -> float:
    """The milliseconds a bucket stands for: the geometric middle of its range."""
    if index <= 0:
        return FLOOR_MS / 2
    return FLOOR_MS * 10 ** ((index - 0.5) / BUCKETS_PER_DECADE)


def percentile(histogram: dict[int, int], share: float) -> float | None:
    """The ``share`` (0..1) percentile of a histogram ``{bucket: calls}``, in milliseconds."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return bucket_middle(index)
    return bucket_middle(max(histogram))  # pragma: no cover - rank <= total


@dataclass
class ColumnTally:
    """One column's inputs: ``values`` seen (missing ones included), ``missing``, and for
    numbers ``total`` and ``squares``, for text ``categories``."""

    values: int = 0
    missing: int = 0
    total: float = 0.0
    squares: float = 0.0
    categories: dict[str, int] = field(default_factory=dict)

    def add(self, other: ColumnTally) -> None:
        self.values += other.values
        self.missing += other.missing
        self.total += other.total
        self.squares += other.squares
        for value, count in other.categories.items():
            self.categories[value] = self.categories.get(value, 0) + count


@dataclass
class Recorded:
    """A deployment's calls not yet written: answer times and inputs by column."""

    latency: dict[int, int] = field(default_factory=dict)
    columns: dict[str, ColumnTally] = field(default_factory=dict)

    def add(self, other: Recorded) -> None:
        for index, count in other.latency.items():
            self.latency[index] = self.latency.get(index, 0) + count
        for name, tally in other.columns.items():
            self.columns.setdefault(name, ColumnTally()).add(tally)


def _numbers(tally: ColumnTally, values: list[Any]) -> None:
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            tally.missing += 1
            continue
        number = float(value)
        tally.total += number
        tally.squares += number * number
    tally.values += len(values)


def _texts(tally: ColumnTally, values: list[Any], known: set[str]) -> None:
    for value in values:
        if value is None:
            tally.missing += 1
            continue
        text = str(value)[:MAX_CATEGORY]
        if text not in known:
            if len(known) >= CATEGORIES_KEPT:
                text = OTHER
            else:
                known.add(text)
        tally.categories[text] = tally.categories.get(text, 0) + 1
    tally.values += len(values)


def summarize(
    table: Table,
    schema: Schema,
    known: dict[str, set[str]],
    into: dict[str, ColumnTally] | None = None,
) -> dict[str, ColumnTally]:
    """Add one call's checked inputs to the per-column tallies ``into`` (new ones if None);
    unnamed values are columns ``[0]``, ``[1]``, …"""
    tallies = {} if into is None else into
    if table.matrix is not None:
        width = max((len(row) for row in table.matrix), default=0)
        for position in range(width):
            column = [row[position] if position < len(row) else None for row in table.matrix]
            _numbers(tallies.setdefault(f"[{position}]", ColumnTally()), column)
        return tallies
    for name, dtype in schema.columns:
        values = table.columns[name]
        tally = tallies.get(name)
        if tally is None:
            tally = tallies[name] = ColumnTally()
        if kind_of(dtype) == "number":
            _numbers(tally, values)
        else:
            _texts(tally, values, known.setdefault(name, set()))
    return tallies


@dataclass
class Monitor:
    """Answer times and input summaries per deployment id, not yet written to the database."""

    _recorded: dict[int, Recorded] = field(default_factory=dict)
    _known: dict[int, dict[str, set[str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, deployment_id: int, ms: float, table: Table, schema: Schema) -> None:
        """Record one answered call: how long it took and what it was given."""
        index = bucket_of(ms)
        with self._lock:
            known = self._known.setdefault(deployment_id, {})
            recorded = self._recorded.get(deployment_id)
            if recorded is None:
                recorded = self._recorded[deployment_id] = Recorded()
            recorded.latency[index] = recorded.latency.get(index, 0) + 1
            summarize(table, schema, known, into=recorded.columns)

    def take(self) -> dict[int, Recorded]:
        """Everything recorded since the last take; the monitor restarts empty."""
        with self._lock:
            taken, self._recorded = self._recorded, {}
            return taken

    def give_back(self, taken: dict[int, Recorded]) -> None:
        """Return what a flush could not write, to be written with the next one."""
        with self._lock:
            for deployment_id, recorded in taken.items():
                self._recorded.setdefault(deployment_id, Recorded()).add(recorded)

    def pending(self, deployment_id: int) -> Recorded:
        """A copy of what this process recorded for a deployment and has not written yet."""
        with self._lock:
            copy = Recorded()
            found = self._recorded.get(deployment_id)
            if found is not None:
                copy.add(found)
            return copy
