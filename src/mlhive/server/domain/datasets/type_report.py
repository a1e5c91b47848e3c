"""The type report: why each column of a dataset has its type, in a data scientist's words.

Processing joins what the reader saw (a :class:`~mlhive.formats.inference.ColumnNote` per
column, kept with the dataset) to the column's statistics, e.g.:

- "3 of 10 000 values are not numbers: 'n/a' (1), '?' (1), '—' (1) → treated as missing";
- "read as nominal because it has 4 distinct text values";
- "integer column with 2 distinct values 0/1: numeric (declare it nominal with
  nominal_attributes to classify on it)".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.types as pat

from mlhive.formats.csv import MAX_CATEGORIES
from mlhive.formats.inference import ColumnNote, list_values
from mlhive.server.domain.datasets.features import FeatureSummary

FEW_INTEGERS = 10  # an integer column with this few distinct values may be classes
_TO_CLASSIFY = "declare it nominal with nominal_attributes to classify on it"
_NOT = {"numeric": "numbers", "date": "dates"}
_ONE = {"numeric": "a number", "date": "a date"}


def notes_from_json(stored: Mapping[str, Any] | None) -> dict[str, ColumnNote]:
    """The notes kept with a dataset (none for datasets read before notes were kept)."""
    return {name: ColumnNote.from_json(note) for name, note in (stored or {}).items()}


def explain(
    feature: FeatureSummary, note: ColumnNote | None, dtype: pa.DataType, rows: int
) -> FeatureSummary:
    """The feature with its ``reason`` and ``dirty_values`` filled in.

    Args:
        feature: the column's statistics.
        note: what the reader saw, or None when nothing was kept (then the reason rests on
            the stored type alone).
        dtype: the column's stored Arrow type (tells integers and booleans apart).
        rows: the number of values in the column.
    """
    note = note or ColumnNote(kind="stored")
    reason = _why(feature, note, dtype, rows)
    if note.missing and note.kind != "coerced":
        reason += f"; {_count(note.missing_total)} read as missing: {list_values(note.missing)}"
    dirty = [{"value": value, "count": count} for value, count in note.missing.items()]
    return dataclasses.replace(feature, reason=reason, dirty_values=dirty)


def _why(feature: FeatureSummary, note: ColumnNote, dtype: pa.DataType, rows: int) -> str:
    kind = feature.data_type
    if note.kind == "declared":
        return f"declared {kind} with {kind}_attributes"
    if note.kind == "coerced":
        bad = note.missing_total
        what = f"is not {_ONE[kind]}" if bad == 1 else f"are not {_NOT[kind]}"
        return (
            f"{_number(bad)} of {_number(rows)} values {what}: {list_values(note.missing)} "
            "→ treated as missing (to keep them, declare the column nominal or string with "
            "nominal_attributes or string_attributes)"
        )
    if kind == "numeric":
        return _why_numeric(feature, note, dtype)
    if kind == "nominal":
        return _why_nominal(feature, note, dtype)
    if kind == "date":
        stored = "stored as dates in the file"
        return stored if note.kind == "stored" else "every value is an ISO date or date-time"
    return _why_string(feature, note, rows)


def _why_numeric(feature: FeatureSummary, note: ColumnNote, dtype: pa.DataType) -> str:
    distinct = feature.number_of_distinct_values
    if pat.is_integer(dtype) and 0 < distinct <= FEW_INTEGERS:
        low, high = _integer(feature.minimum), _integer(feature.maximum)
        values = f"{low}/{high}" if distinct == 2 else f"from {low} to {high}"
        return f"integer column with {distinct} distinct values {values}: numeric ({_TO_CLASSIFY})"
    if note.kind == "stored":
        return "stored as numbers in the file"
    return "every value is a number"


def _why_nominal(feature: FeatureSummary, note: ColumnNote, dtype: pa.DataType) -> str:
    if pat.is_boolean(dtype):
        return "true/false values: boolean, kept as nominal with the values False/True"
    categories = len(feature.nominal_values or ())
    if note.kind == "stored":
        return f"stored as categorical in the file, with {_count(categories, 'category')}"
    distinct = _count(feature.number_of_distinct_values, "distinct text value")
    return (
        f"read as nominal because it has {distinct} "
        f"(nominal: at most {MAX_CATEGORIES}, and at most half of the values)"
    )


def _why_string(feature: FeatureSummary, note: ColumnNote, rows: int) -> str:
    present = rows - feature.number_of_missing_values
    if present == 0:
        return "no values: every value is missing"
    if note.kind == "stored":
        return f"stored as text in the file ({_TO_CLASSIFY})"
    return (
        f"kept as free text: {_count(feature.number_of_distinct_values, 'distinct value')} in "
        f"{_number(present)} (nominal needs at most {MAX_CATEGORIES}, and at most half of the "
        f"values); {_TO_CLASSIFY}"
    )


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _count(value: int, noun: str = "value") -> str:
    plural = noun if value == 1 else ("categories" if noun == "category" else f"{noun}s")
    return f"{_number(value)} {plural}"


def _integer(value: float | None) -> str:
    return "?" if value is None else str(int(value))
