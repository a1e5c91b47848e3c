"""The words of the type report, from the reader's notes and a column's statistics."""

from __future__ import annotations

import pyarrow as pa

from mlhive.formats.inference import ColumnNote
from mlhive.server.domain.datasets.features import summarize_features
from mlhive.server.domain.datasets.type_report import explain


def reason(values: list[object], dtype: pa.DataType, note: ColumnNote | None) -> str:
    table = pa.table({"x": pa.array(values, dtype)})
    feature = summarize_features(table)[0]
    explained = explain(feature, note, dtype, table.num_rows).reason
    assert explained is not None
    return explained


def test_an_integer_column_with_two_values_suggests_declaring_it_nominal() -> None:
    text = reason([0, 1, 1, 0], pa.int64(), ColumnNote())
    assert text == (
        "integer column with 2 distinct values 0/1: numeric "
        "(declare it nominal with nominal_attributes to classify on it)"
    )
    assert "from 1 to 5" in reason([1, 2, 3, 4, 5], pa.int64(), ColumnNote())


def test_many_numbers_are_just_numbers_and_the_file_type_is_named_when_stored() -> None:
    assert reason([float(i) for i in range(50)], pa.float64(), ColumnNote()) == (
        "every value is a number"
    )
    assert reason(list(range(50)), pa.int64(), None) == "stored as numbers in the file"


def test_missing_markers_are_counted_after_the_reason() -> None:
    note = ColumnNote()
    note.add_missing({"?": 2, "NA": 1})
    text = reason([1.5, None, None, None, 2.5] * 3, pa.float64(), note)
    assert text == "every value is a number; 3 values read as missing: '?' (2), 'NA' (1)"


def test_a_coerced_column_counts_what_was_not_a_number() -> None:
    note = ColumnNote(kind="coerced")
    note.add_missing({"n/a": 3})
    text = reason([*([1.0] * 9997), None, None, None], pa.float64(), note)
    assert text.startswith("3 of 10 000 values are not numbers: 'n/a' (3) → treated as missing")


def test_text_reasons() -> None:
    nominal = pa.array(["a", "b", "a", "c"]).dictionary_encode()
    table = pa.table({"x": nominal.cast(pa.dictionary(pa.int32(), pa.string()))})
    feature = summarize_features(table)[0]
    assert explain(feature, ColumnNote(), table.column(0).type, 4).reason == (
        "read as nominal because it has 3 distinct text values "
        "(nominal: at most 256, and at most half of the values)"
    )
    assert reason([True, False], pa.bool_(), ColumnNote()).startswith("true/false values")
    assert reason([None, None], pa.string(), ColumnNote()) == "no values: every value is missing"
    assert reason(["x1", "x2", "x3"], pa.string(), ColumnNote()).startswith(
        "kept as free text: 3 distinct values in 3"
    )
    declared = reason(["x1", "x2"], pa.string(), ColumnNote(kind="declared"))
    assert declared == "declared string with string_attributes"
