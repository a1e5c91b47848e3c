"""How the CSV reader types text that is almost numbers or dates, and what it notes."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlhive.formats.inference import MAX_LISTED, ColumnNote, Overrides
from mlhive.formats.tables import FormatError, from_pandas, read_table_noted


def read(text: str, **overrides: tuple[str, ...]) -> tuple[pa.Table, dict[str, ColumnNote]]:
    return read_table_noted(io.BytesIO(text.encode()), "csv", Overrides(**overrides))


def column_of(values: list[str], name: str = "x") -> str:
    return f"{name}\n" + "\n".join(values) + "\n"


def test_a_few_words_in_numbers_become_missing_and_are_noted() -> None:
    table, notes = read(column_of([str(i) for i in range(18)] + ["n/a", "—"]))
    assert table.column("x").type == pa.int64()
    assert table.column("x").null_count == 2
    assert notes["x"].kind == "coerced"
    assert notes["x"].missing == {"n/a": 1, "—": 1}


def test_floats_with_a_few_words_are_floats() -> None:
    table, _ = read(column_of([f"{i}.5" for i in range(19)] + ["unknown"]))
    assert table.column("x").type == pa.float64()


@pytest.mark.parametrize(
    "values",
    [
        [str(i) for i in range(16)] + ["a", "b", "c", "d"],  # 20 % are words: labels
        [str(i) for i in range(200)] + [f"w{i}" for i in range(11)],  # 11 distinct words
    ],
)
def test_text_with_more_than_a_few_words_stays_text(values: list[str]) -> None:
    table, notes = read(column_of(values))
    assert not pa.types.is_integer(table.column("x").type)
    assert notes["x"].missing == {}


def test_dates_with_a_bad_value_are_dates_but_an_impossible_date_keeps_them_text() -> None:
    dates = [f"2024-01-{i + 1:02d}" for i in range(19)]
    table, notes = read(column_of([*dates, "soon"]))
    assert table.column("x").type == pa.date32()
    assert notes["x"].missing == {"soon": 1}
    table, _ = read(column_of([*dates, "2024-02-30"]))
    assert not pa.types.is_date(table.column("x").type)


def test_markers_behind_typed_nulls_are_counted() -> None:
    _, notes = read(column_of(["1", "?", "NA", "NA", "", "5"]))
    assert (notes["x"].kind, notes["x"].missing, notes["x"].missing_total) == (
        "inferred",
        {"NA": 2, "?": 1},
        3,
    )


def test_declared_missing_values_apply_to_numbers_and_text() -> None:
    text = "n,t\n1,a\n-,b\n3,-\n4,a\n5,b\n6,a\n"
    table, notes = read(text, missing=("-",))
    assert table.column("n").type == pa.int64() and table.column("n").null_count == 1
    assert table.column("t").null_count == 1
    assert notes["n"].missing == {"-": 1} and notes["t"].missing == {"-": 1}


def test_a_numeric_override_lists_the_values_that_are_not_numbers() -> None:
    with pytest.raises(FormatError) as caught:
        read(column_of(["1", "two", "two", "3"]), numeric=("x",))
    assert "'two' (2)" in str(caught.value) and "numeric_attributes" in str(caught.value)


def test_note_keeps_the_most_frequent_values_and_the_total() -> None:
    note = ColumnNote()
    note.add_missing({f"v{i:02d}": i + 1 for i in range(MAX_LISTED + 5)})
    assert len(note.missing) == MAX_LISTED
    assert next(iter(note.missing)) == f"v{MAX_LISTED + 4:02d}"
    assert note.missing_total == sum(range(1, MAX_LISTED + 6))
    assert ColumnNote.from_json(note.to_json()) == note


def test_a_pandas_text_column_is_typed_like_the_same_csv_column() -> None:
    labels = ["ant", "bee", "ant", "bee", "wasp", "ant"]
    frame = pd.DataFrame({"x": labels})
    buffer = io.BytesIO()
    pq.write_table(from_pandas(frame, keep_pandas_metadata=True), buffer)
    buffer.seek(0)
    from_frame, notes = read_table_noted(buffer, "parquet", Overrides())
    from_csv, _ = read(column_of(labels))
    assert from_frame.equals(from_csv)
    assert notes["x"].kind == "inferred"
    # without pandas' word for it, a Parquet string column stays a string column
    plain = io.BytesIO()
    pq.write_table(pa.table({"x": labels}), plain)
    plain.seek(0)
    stored, notes = read_table_noted(plain, "parquet", Overrides())
    assert stored.column("x").type == pa.string() and notes["x"].kind == "stored"
