"""CSV: type inference, null tokens, nominal detection, errors with line numbers, round trips."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from mlhive.formats.csv import read_csv, write_csv
from mlhive.formats.types import FormatError, nominal_values

Nominal = Callable[..., pa.Array]


def read_text(text: str, **kwargs: list[str]) -> pa.Table:
    return read_csv(io.BytesIO(text.encode()), **kwargs)  # type: ignore[arg-type]


def csv_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    write_csv(table, sink)
    return sink.getvalue()


def test_types_are_inferred() -> None:
    table = read_text(
        "n,x,flag,day,moment,word\n"
        "1,1.5,true,2020-01-02,2020-01-02T03:04:05,a\n"
        "2,2,FALSE,2020-01-03,2020-01-02T03:04:06,b\n"
        "3,,True,,,a\n"
        "4,4.5,false,2021-01-01,2020-01-02T03:04:07,a\n"
    )

    assert table.schema.types == [
        pa.int64(),
        pa.float64(),
        pa.bool_(),
        pa.date32(),
        pa.timestamp("us"),
        pa.dictionary(pa.int32(), pa.string()),
    ]
    assert table.column("flag").to_pylist() == [True, False, True, False]
    assert table.column("x").to_pylist() == [1.5, 2.0, None, 4.5]
    assert table.column("moment")[0].as_py() == datetime(2020, 1, 2, 3, 4, 5)


def test_time_zone_offsets_give_utc_timestamps() -> None:
    table = read_text("t\n2020-01-02T03:04:05Z\n2020-01-02T03:04:05+02:00\n")

    assert table.column("t").type == pa.timestamp("us", "UTC")
    assert [v.hour for v in table.column("t").to_pylist()] == [3, 1]


def test_booleans_in_any_case_become_bool() -> None:
    table = read_text("b\ntRUE\nFalse\n")
    assert table.column("b").to_pylist() == [True, False]


def test_null_tokens_are_missing_in_numbers_and_categories_but_text_keeps_them() -> None:
    rows = ["1,a,Namibia NA", "NA,NA,NA", "?,b,", "3,a,?", "N/A,b,null", "4,a,None", "5,b,x y"]
    table = read_text("n,category,text\n" + "\n".join(rows) + "\n")

    assert table.column("n").to_pylist() == [1, None, None, 3, None, 4, 5]
    assert table.column("category").to_pylist() == ["a", None, "b", "a", "b", "a", "b"]
    assert table.column("text").type == pa.string()
    assert table.column("text").to_pylist() == [
        "Namibia NA",
        "NA",
        None,
        None,
        "null",
        "None",
        "x y",
    ]


def test_few_distinct_values_make_a_nominal_column_with_sorted_categories() -> None:
    rows = [f"{i},{['low', 'high', 'mid'][i % 3]},{['2', '10', '1'][i % 3]}" for i in range(12)]
    table = read_text("id,level,code\n" + "\n".join(rows) + "\n", nominal=["code"])

    assert table.column("id").type == pa.int64()
    assert nominal_values(table.column("level")) == ["high", "low", "mid"]
    assert nominal_values(table.column("code")) == ["1", "2", "10"]


def test_ids_and_free_text_stay_strings() -> None:
    rows = [f"user{i},word{i % 7}" for i in range(10)]
    table = read_text("user,word\n" + "\n".join(rows) + "\n")

    # 10 distinct users in 10 rows, 7 distinct words in 10 rows: both over the 50 % share.
    assert table.column("user").type == pa.string()
    assert table.column("word").type == pa.string()


def test_more_than_256_categories_stay_strings() -> None:
    rows = [f"v{i % 300}" for i in range(1200)]
    table = read_text("v\n" + "\n".join(rows) + "\n")
    assert table.column("v").type == pa.string()


def test_overrides_force_nominal_and_string() -> None:
    table = read_text("zip,kind\n007,1\n008,2\n007,1\n", nominal=["kind"], string=["zip"])

    assert table.column("zip").to_pylist() == ["007", "008", "007"]
    assert nominal_values(table.column("kind")) == ["1", "2"]


def test_override_of_an_unknown_column_is_an_error() -> None:
    with pytest.raises(FormatError, match="no column 'nope'"):
        read_text("a\n1\n", nominal=["nope"])


def test_tab_separated_files_are_detected() -> None:
    table = read_text("a\tb c\n1\tx, y\n2\tz\n")
    assert table.column_names == ["a", "b c"]
    assert table.column("b c").to_pylist() == ["x, y", "z"]


def test_tsv_path_uses_tabs(tmp_path: Path) -> None:
    path = tmp_path / "data.tsv"
    path.write_text("a,b\tc\n1,2\t3\n4,5\t6\n")
    assert read_csv(path).column_names == ["a,b", "c"]


def test_reads_from_a_non_seekable_stream() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    table = read_csv(Pipe(b"a,b\n1,x\n2,y\n"))  # type: ignore[arg-type]
    assert table.to_pydict() == {"a": [1, 2], "b": ["x", "y"]}


def test_round_trip_keeps_values_and_types(table: pa.Table, nominal: Nominal) -> None:
    # CSV cannot tell "" from missing and "?" is a null token: keep those out of this table.
    table = table.set_column(4, "note", pa.array(["line\nbreak\ttab", None, "NA", "x"]))

    back = read_csv(io.BytesIO(csv_bytes(table)), nominal=["colour"])

    expected = table.set_column(2, "colour", nominal(["red", None, "blue", "red"], ["blue", "red"]))
    assert back.schema == expected.schema
    assert back.to_pydict() == expected.to_pydict()


def test_floats_stay_floats_even_when_all_are_whole_numbers() -> None:
    whole = pa.table({"x": pa.array([1.0, 2.0, None])})
    mixed = pa.table({"x": pa.array([1.5, 2.0, None])})

    assert csv_bytes(whole) == b'"x"\n"1.0"\n"2.0"\n\n'
    assert csv_bytes(mixed) == b'"x"\n1.5\n2\n\n'
    assert read_csv(io.BytesIO(csv_bytes(whole))).equals(whole)
    assert read_csv(io.BytesIO(csv_bytes(mixed))).equals(mixed)


def test_writes_to_a_path(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(pa.table({"d": [date(2020, 1, 2)], "s": ["Zürich"]}), path)
    assert path.read_text(encoding="utf-8") == '"d","s"\n2020-01-02,"Zürich"\n'


@pytest.mark.parametrize(
    ("data", "code", "line", "message"),
    [
        (b"", "empty_file", None, "the CSV file is empty"),
        (b"\n\n", "empty_file", None, "the CSV file is empty"),
        (b"a,b,c\n", "empty_file", None, "the CSV file has a header but no data rows"),
        (b"age,name,age\n1,x,2\n", "duplicate_columns", 1, "line 1: duplicate column name 'age'"),
        (b"a,,c\n1,2,3\n", "malformed_file", 1, "line 1: column 2 has a blank name"),
        (b"a,b\n1,2\n3,4\n5\n6,7\n", "malformed_file", 4, "line 4: expected 2 values, found 1"),
        (
            b'a,b\n1,"two\nlines"\n3,4,5\n',
            "malformed_file",
            4,
            "line 4: expected 2 values, found 3",
        ),
    ],
)
def test_bad_files_name_the_problem(data: bytes, code: str, line: int | None, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        read_csv(io.BytesIO(data))

    assert caught.value.code == code
    assert caught.value.line == line
    assert str(caught.value) == message


def test_invalid_utf8_is_malformed() -> None:
    with pytest.raises(FormatError, match="column 'name' holds text that is not UTF-8") as caught:
        read_csv(io.BytesIO(b"name\ncaf\xe9\nok\n"))
    assert caught.value.code == "malformed_file"
