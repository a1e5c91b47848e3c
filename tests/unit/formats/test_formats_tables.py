"""Format detection, Parquet, pandas, and reading any format through one entry point."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlhive.formats.tables import (
    FormatError,
    detect_format,
    from_pandas,
    read_table,
    to_pandas,
    write_parquet,
    write_table,
)
from mlhive.formats.types import feature_type, nominal_values, normalize_table

Nominal = Callable[..., pa.Array]


@pytest.mark.parametrize(
    ("filename", "declared", "expected"),
    [
        ("data.csv", None, "csv"),
        ("DATA.TSV", None, "csv"),
        ("x.parquet", None, "parquet"),
        ("x.pq", None, "parquet"),
        ("iris.ARFF", None, "arff"),
        ("data.csv", "arff", "arff"),
        (None, "Parquet", "parquet"),
        ("weird.bin", "tsv", "csv"),
    ],
)
def test_detect_format(filename: str | None, declared: str | None, expected: str) -> None:
    assert detect_format(filename, declared) == expected


@pytest.mark.parametrize(
    ("filename", "declared"), [("data.xlsx", None), (None, None), ("a.csv", "xml")]
)
def test_unknown_formats_are_unsupported(filename: str | None, declared: str | None) -> None:
    with pytest.raises(FormatError) as caught:
        detect_format(filename, declared)
    assert caught.value.code == "unsupported_format"


@pytest.mark.parametrize("fmt", ["parquet", "arff"])
def test_write_then_read_gives_the_same_table(table: pa.Table, fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"data.{fmt}"
    write_table(table, path, fmt)  # type: ignore[arg-type]

    back = read_table(path, fmt)  # type: ignore[arg-type]

    assert back.schema == table.schema
    assert back.to_pydict() == table.to_pydict()
    assert nominal_values(back.column("colour")) == ["red", "green", "blue"]


def test_parquet_streams_row_groups_and_keeps_categories(nominal: Nominal) -> None:
    rows = 2 * (1 << 20) + 5  # three row groups of at most 1 Mi rows
    codes = np.arange(rows) % 3
    colour = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(["z", "y", "x"]))
    table = pa.table({"i": np.arange(rows), "colour": colour})
    sink = io.BytesIO()

    write_parquet(table, sink)

    metadata = pq.ParquetFile(io.BytesIO(sink.getvalue())).metadata
    assert metadata.num_row_groups == 3
    assert metadata.row_group(0).column(0).compression == "ZSTD"
    back = read_table(io.BytesIO(sink.getvalue()), "parquet")
    assert back.equals(table)
    assert nominal_values(back.column("colour")) == ["z", "y", "x"]


def test_parquet_written_by_pandas_is_normalised() -> None:
    df = pd.DataFrame(
        {
            "grade": pd.Categorical([3, 1, None], categories=[3, 2, 1]),
            "size": pd.Categorical(["S", None, "L"], categories=["S", "M", "L"]),
            "name": ["a", "b", None],
            "x": [1.0, float("nan"), 2.0],
        },
        index=pd.Index([10, 11, 12]),
    )
    sink = io.BytesIO()
    df.to_parquet(sink)

    table = read_table(io.BytesIO(sink.getvalue()), "parquet")

    assert table.column_names == ["grade", "size", "name", "x"]
    assert table.column("grade").type == pa.dictionary(pa.int32(), pa.string())
    # Parquet keeps string categories and their order; number categories come back sorted.
    assert nominal_values(table.column("grade")) == ["1", "3"]
    assert table.column("grade").to_pylist() == ["3", "1", None]
    assert nominal_values(table.column("size")) == ["S", "M", "L"]
    assert table.column("name").type == pa.string()
    assert table.column("x").to_pylist() == [1.0, None, 2.0]


def test_type_overrides_apply_to_parquet_and_arff(tmp_path: Path) -> None:
    table = pa.table({"label": [2, 10, 1, None], "code": ["a", "b", "a", "c"]})
    path = tmp_path / "data.parquet"
    write_parquet(table, path)

    back = read_table(path, "parquet", nominal=["label"])

    assert nominal_values(back.column("label")) == ["1", "2", "10"]
    assert back.column("label").to_pylist() == ["2", "10", "1", None]
    as_string = read_table(path, "parquet", string=["label"])
    assert as_string.column("label").to_pylist() == ["2", "10", "1", None]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"this is not parquet at all", "malformed_file"),
        (b"", "malformed_file"),
    ],
)
def test_garbage_is_not_parquet(data: bytes, code: str) -> None:
    with pytest.raises(FormatError, match="not a readable Parquet file") as caught:
        read_table(io.BytesIO(data), "parquet")
    assert caught.value.code == code


def test_parquet_without_rows_or_with_nested_columns_is_refused() -> None:
    def parquet(table: pa.Table) -> io.BytesIO:
        sink = io.BytesIO()
        pq.write_table(table, sink)
        return io.BytesIO(sink.getvalue())

    with pytest.raises(FormatError) as empty:
        read_table(parquet(pa.table({"a": pa.array([], pa.int64())})), "parquet")
    with pytest.raises(FormatError, match="'tags' has type list<") as nested:
        read_table(parquet(pa.table({"tags": [[1, 2]]})), "parquet")
    assert empty.value.code == "empty_file"
    assert nested.value.code == "unsupported_format"


def test_dataframe_round_trip_keeps_what_a_user_sees() -> None:
    df = pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "x": [0.5, None, 2.0],
            "colour": pd.Categorical(["red", None, "blue"], categories=["red", "green", "blue"]),
            "city": ["Zürich", "東京", None],
            "ok": pd.array([True, None, False], dtype="boolean"),
            "flag": [True, False, True],
            "when": pd.to_datetime(
                pd.Series(["2020-01-02", None, "2021-03-04 05:06:07"]), format="ISO8601"
            ),
        }
    )

    table = from_pandas(df)
    back = to_pandas(table)

    assert [feature_type(t) for t in table.schema.types] == [
        "numeric",
        "numeric",
        "nominal",
        "string",
        "nominal",
        "nominal",
        "date",
    ]
    assert table.column("n").type == pa.int64()
    assert table.column("n").to_pylist() == [1, None, 3]
    assert list(back["colour"].cat.categories) == ["red", "green", "blue"]
    assert back["colour"].tolist()[::2] == ["red", "blue"]
    assert back["colour"].isna().tolist() == [False, True, False]
    assert back["n"].dtype == np.float64
    assert back["n"].isna().tolist() == [False, True, False]
    assert back["city"].tolist()[:2] == ["Zürich", "東京"]
    assert back["ok"].dtype == "boolean"
    assert back["ok"].tolist()[::2] == [True, False]
    assert back["flag"].dtype == bool
    assert back["when"].dtype.kind == "M"
    assert back["when"].iloc[2] == pd.Timestamp("2021-03-04 05:06:07")


def test_dates_come_back_as_datetimes() -> None:
    df = to_pandas(pa.table({"d": pa.array([date(2020, 1, 2), None])}))
    assert df["d"].dtype.kind == "M"
    assert df["d"].iloc[0] == pd.Timestamp("2020-01-02")


def test_named_index_becomes_a_column_and_range_index_is_dropped() -> None:
    named = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], name="id"))
    unnamed = pd.DataFrame({"x": [1, 2]}, index=pd.Index([5, 7]))

    assert from_pandas(named).column_names == ["id", "x"]
    assert from_pandas(named).column("id").to_pylist() == ["a", "b"]
    assert from_pandas(unnamed).column_names == ["x"]


@pytest.mark.parametrize(
    ("df", "code", "fragment"),
    [
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "duplicate_columns", "'a'"),
        (pd.DataFrame([[1, 2]], columns=["a", 0]), "malformed_file", "must be strings"),
        (pd.DataFrame([[1, 2]], columns=["a", " "]), "malformed_file", "blank name"),
        (pd.DataFrame({"mixed": ["a", 1]}), "unsupported_format", "mixed"),
        (pd.DataFrame({"gap": pd.to_timedelta([1, 2], unit="s")}), "unsupported_format", "'gap'"),
        (pd.DataFrame(), "empty_file", "no columns"),
    ],
)
def test_dataframes_that_cannot_be_datasets(df: pd.DataFrame, code: str, fragment: str) -> None:
    with pytest.raises(FormatError, match=fragment) as caught:
        from_pandas(df)
    assert caught.value.code == code


def test_normalize_unifies_dictionaries_and_turns_nan_into_null() -> None:
    first = pa.array(["a", "b"]).dictionary_encode()
    second = pa.array(["c"]).dictionary_encode()
    table = pa.table(
        {"c": pa.chunked_array([first, second]), "x": pa.array([1.0, float("nan"), None])}
    )

    normal = normalize_table(table)

    assert [chunk.dictionary.to_pylist() for chunk in normal.column("c").chunks] == [
        ["a", "b", "c"],
        ["a", "b", "c"],
    ]
    assert normal.column("x").null_count == 2
