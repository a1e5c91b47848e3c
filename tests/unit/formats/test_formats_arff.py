"""ARFF: what users and openml-python see when a dataset goes out as ARFF and comes back."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import arff as liac_arff
import pyarrow as pa
import pytest

from mlhive.formats.arff import is_sparse_arff, read_arff, write_arff
from mlhive.formats.csv import read_csv
from mlhive.formats.types import FormatError, nominal_values

Nominal = Callable[..., pa.Array]


def arff_bytes(table: pa.Table, **kwargs: str) -> bytes:
    sink = io.BytesIO()
    write_arff(table, sink, kwargs.pop("relation", "data"), **kwargs)  # type: ignore[arg-type]
    return sink.getvalue()


def read_text(text: str) -> pa.Table:
    return read_arff(io.BytesIO(text.encode()))


def test_round_trip_keeps_values_types_and_declared_categories(table: pa.Table) -> None:
    back = read_arff(io.BytesIO(arff_bytes(table)))

    assert back.schema == table.schema
    assert back.to_pydict() == table.to_pydict()
    assert nominal_values(back.column("colour")) == ["red", "green", "blue"]


def test_round_trip_through_a_file_path(table: pa.Table, tmp_path: Path) -> None:
    path = tmp_path / "data.arff"
    write_arff(table, path, "data")
    assert read_arff(path).equals(table)


def test_output_is_deterministic_and_readable(table: pa.Table) -> None:
    first = arff_bytes(table, relation="my data", description="Line one\nLine two")
    second = arff_bytes(table, relation="my data", description="Line one\nLine two")

    assert first == second
    text = first.decode("utf-8")
    assert text.startswith("% Line one\n% Line two\n@RELATION 'my data'\n")
    assert "@ATTRIBUTE 'height m' REAL" in text
    assert "@ATTRIBUTE colour {red,green,blue}" in text
    assert "@ATTRIBUTE flag {False,True}" in text
    assert '@ATTRIBUTE day DATE "yyyy-MM-dd"' in text
    assert "@ATTRIBUTE seen DATE \"yyyy-MM-dd'T'HH:mm:ss\"" in text
    assert "31,1.75,red,Zürich,'line\\nbreak\\ttab',True,2020-01-02,2020-01-02T03:04:05" in text


def test_liac_arff_reads_what_we_write(table: pa.Table) -> None:
    decoded = liac_arff.loads(arff_bytes(table, dates="string").decode())

    assert [name for name, _ in decoded["attributes"]][:3] == ["age", "height m", "colour"]
    assert decoded["attributes"][2][1] == ["red", "green", "blue"]
    assert decoded["attributes"][5][1] == ["False", "True"]
    columns = list(zip(*decoded["data"], strict=True))
    assert list(columns[0]) == [31, None, 45, 7]
    assert list(columns[2]) == ["red", None, "blue", "red"]
    assert list(columns[3]) == table.column("city").to_pylist()
    assert list(columns[4]) == ["line\nbreak\ttab", "?", "NA", ""]
    assert list(columns[5]) == ["True", None, "False", "True"]
    assert list(columns[6]) == ["2020-01-02", None, "1999-12-31", "2024-02-29"]


def test_control_characters_and_quotes_survive_both_readers(nominal: Nominal) -> None:
    text = ["bell\x07", "it's", 'say "hi"', "back\\slash", "\u00a0nbsp"]
    table = pa.table({"s": text, "n": nominal(text, text)})

    data = arff_bytes(table)

    assert read_arff(io.BytesIO(data)).equals(table)
    decoded = liac_arff.loads(data.decode())
    assert [row[0] for row in decoded["data"]] == text
    assert decoded["attributes"][1][1] == text


def test_sub_second_timestamps_keep_milliseconds() -> None:
    moments = [datetime(2021, 3, 4, 5, 6, 7, 250000), None]
    table = pa.table({"t": pa.array(moments, pa.timestamp("ms"))})

    back = read_arff(io.BytesIO(arff_bytes(table)))

    assert back.column("t").type == pa.timestamp("us")
    assert back.column("t").to_pylist() == moments


def test_microseconds_are_cut_to_the_milliseconds_arff_holds() -> None:
    moment = datetime(2020, 1, 2, 0, 0, 0, 1)  # one microsecond past midnight
    table = pa.table({"t": pa.array([moment, datetime(2020, 1, 2, 3, 4, 5, 678901)])})

    back = read_arff(io.BytesIO(arff_bytes(table)))

    assert back.column("t").to_pylist() == [
        datetime(2020, 1, 2),
        datetime(2020, 1, 2, 3, 4, 5, 678000),
    ]


def test_time_zone_aware_timestamps_are_written_as_utc_wall_time() -> None:
    moment = datetime(2020, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    table = pa.table({"t": pa.array([moment], pa.timestamp("us", "Europe/Zurich"))})

    data = arff_bytes(table)

    assert data.endswith(b"@DATA\n2020-06-01T10:00:00\n")
    assert read_arff(io.BytesIO(data)).column("t").to_pylist() == [datetime(2020, 6, 1, 10, 0)]


def test_dates_as_string_read_back_as_text(table: pa.Table) -> None:
    back = read_arff(io.BytesIO(arff_bytes(table.select(["day"]), dates="string")))
    assert back.column("day").to_pylist() == ["2020-01-02", None, "1999-12-31", "2024-02-29"]


def test_csv_to_table_to_arff_to_table_is_lossless() -> None:
    csv = (
        b"id,species,weight,island,seen\n"
        b"1,Adelie,3.5,Biscoe,2020-01-02\n"
        b"2,Gentoo,,Dream,2020-01-03\n"
        b"3,Adelie,4.25,NA,2021-05-06\n"
        b'4,"Chinstrap, pale",5,Biscoe,\n'
        b"5,Gentoo,6,Dream,2021-05-06\n"
    )
    from_csv = read_csv(io.BytesIO(csv), nominal=["species", "island"])

    back = read_arff(io.BytesIO(arff_bytes(from_csv)))

    assert back.equals(from_csv)
    assert nominal_values(back.column("species")) == ["Adelie", "Chinstrap, pale", "Gentoo"]
    assert back.column("island").to_pylist() == ["Biscoe", "Dream", None, "Biscoe", "Dream"]


def test_reader_handles_quoting_comments_case_and_missing_values() -> None:
    text = """% a comment
@relation 'the data'
@Attribute 'first name' string
@ATTRIBUTE "size" {'small', "big one", ?}
@attribute n integer
@attribute x REAL
@attribute when date "dd/MM/yyyy"

@data
% another comment
'O\\'Brien', 'big one', 3, 1.5, 02/01/2020
"Zoë", ?, ?, ?, ?

'?', '?', -4, 1e3, 31/12/1999
"""
    table = read_text(text)

    assert table.column_names == ["first name", "size", "n", "x", "when"]
    assert table.column("first name").to_pylist() == ["O'Brien", "Zoë", "?"]
    assert nominal_values(table.column("size")) == ["small", "big one", "?"]
    assert table.column("size").to_pylist() == ["big one", None, "?"]
    assert table.column("n").type == pa.int64()
    assert table.column("n").to_pylist() == [3, None, -4]
    assert table.column("x").to_pylist() == [1.5, None, 1000.0]
    assert table.column("when").to_pylist() == [date(2020, 1, 2), None, date(1999, 12, 31)]


def test_large_integers_stay_exact() -> None:
    table = pa.table({"id": pa.array([2**62 + 1, None, -(2**53) - 1], pa.int64())})
    assert read_arff(io.BytesIO(arff_bytes(table))).equals(table)


def test_integer_attribute_with_fractions_becomes_float() -> None:
    table = read_text("@relation r\n@attribute n INTEGER\n@data\n1\n2.5\n")
    assert table.column("n").type == pa.float64()
    assert table.column("n").to_pylist() == [1.0, 2.5]


def test_sparse_rows_fill_unlisted_values_with_zero() -> None:
    text = """@relation sparse
@attribute a numeric
@attribute b {x,y}
@attribute c string
@attribute d numeric
@data
{0 1.5, 3 7}
{1 y, 2 'hello world'}
{}
"""
    table = read_text(text)

    assert table.column("a").to_pylist() == [1.5, 0.0, 0.0]
    assert table.column("b").to_pylist() == ["x", "y", "x"]
    assert table.column("c").to_pylist() == ["", "hello world", ""]
    assert table.column("d").to_pylist() == [7.0, 0.0, 0.0]


def test_sparse_writing_leaves_out_what_a_sparse_reader_fills_in() -> None:
    table = pa.table(
        {
            "a": [0.0, 1.5, None, 0.0, 0.0],
            "b": pa.array(["x", "y", "x", None, "x"]).dictionary_encode(),
            "c": [True, False, None, True, False],
            "s": ["", "q r", None, "z", ""],
            "n": [0, 0, 0, 0, 0],
        }
    )
    text = arff_bytes(table, sparse=True).decode()  # type: ignore[arg-type]

    rows = text.split("@DATA\n")[1].splitlines()
    assert rows == [
        "{2 True}",
        "{0 1.5,1 y,3 'q r'}",
        "{0 ?,2 ?,3 ?}",
        "{1 ?,2 True,3 z}",
        "{}",  # nothing but implied values
    ]
    back = read_text(text)
    assert back.to_pydict() == table.to_pydict()
    decoded = liac_arff.loads(text, encode_nominal=True, return_type=liac_arff.COO)
    assert len(decoded["data"][0]) == 10  # the values written, missing ones included
    one_column = pa.table({"a": [0.0, 2.0, 0.0]})
    assert (
        arff_bytes(one_column, sparse=True)
        .decode()
        .endswith(  # type: ignore[arg-type]
            "@DATA\n{}\n{0 2}\n{}\n"
        )
    )


def test_a_file_is_sparse_only_when_every_data_row_is(tmp_path: Path) -> None:
    header = "@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n% a comment\n"
    path = tmp_path / "s.arff"
    path.write_text(header + "{0 1}\n{1 2}\n")
    assert is_sparse_arff(path)
    with path.open("rb") as handle:
        handle.seek(7)
        assert is_sparse_arff(handle)
        assert handle.tell() == 0  # rewound for whoever reads it next

    assert is_sparse_arff(io.BytesIO((header + "{0 1}\n  {1 2}\n\n{}\n").encode()))
    assert not is_sparse_arff(io.BytesIO((header + "{0 1}\n1,2\n").encode()))
    assert not is_sparse_arff(io.BytesIO((header + "1,2\n").encode()))
    assert not is_sparse_arff(io.BytesIO(header.encode()))


def test_dense_and_sparse_rows_mix_and_a_repeated_index_keeps_its_last_value() -> None:
    text = """@relation mixed
@attribute a integer
@attribute b {x,y}
@attribute c date "yyyy-MM-dd"
@data
{0 3, 2 2020-01-02}
1,y,2021-03-04
{1 y, 1 x}
{0 2.5}
"""
    table = read_text(text)

    assert table.column("a").to_pylist() == [3.0, 1.0, 0.0, 2.5]  # a fraction: floats
    assert table.column("b").to_pylist() == ["x", "y", "x", "x"]
    assert table.column("c").to_pylist() == [date(2020, 1, 2), date(2021, 3, 4), None, None]


HEADER = "@relation r\n@attribute a numeric\n@attribute b {x,y}\n@data\n"


@pytest.mark.parametrize(
    ("text", "code", "line", "fragment"),
    [
        ("", "empty_file", None, "empty"),
        ("@relation r\n@data\n", "empty_file", 2, "no attributes"),
        ("@relation r\n@attribute a numeric\n@data\n% nothing\n", "empty_file", 4, "no data rows"),
        (
            "@relation r\n@attribute a numeric\n@attribute a real\n@data\n1,2\n",
            "duplicate_columns",
            3,
            "'a'",
        ),
        (
            "@relation r\n@attribute a numbr\n@data\n1\n",
            "malformed_file",
            2,
            "unknown type 'numbr'",
        ),
        ("@relation r\n@attribute a {x,y\n@data\nx\n", "malformed_file", 2, "unterminated"),
        ("@relation r\n@attribute a numeric\n1\n", "malformed_file", 3, "expected @RELATION"),
        ("@relation r\n@attribute a numeric\n", "malformed_file", 2, "no @DATA"),
        (HEADER + "1,x\n2,y\n3\n", "malformed_file", 7, "expected 2 values, found 1"),
        (HEADER + "1,x\n\n2,y,3\n", "malformed_file", 7, "expected 2 values, found 3"),
        (
            HEADER + "1,x\n2,z\n",
            "malformed_file",
            6,
            "'z' of attribute 'b' is not among the declared",
        ),
        (HEADER + "1,x\nabc,y\n", "malformed_file", 6, "'abc' of attribute 'a' is not a number"),
        (HEADER + "1,'x\n", "malformed_file", 5, "cannot read a value"),
        (HEADER + "{5 1}\n", "malformed_file", 5, "sparse index 5 is out of range"),
        (
            HEADER + "{0 1}\n2,y\n% note\n{1 y,0 abc}\n",
            "malformed_file",
            8,
            "'abc' of attribute 'a' is not a number",
        ),
        (HEADER + "{0 1}\n{1 w}\n", "malformed_file", 6, "'w' of attribute 'b' is not among"),
        ("@relation r\n@attribute a relational\n@data\n", "unsupported_format", 2, "relational"),
    ],
)
def test_malformed_files_name_the_problem_and_line(
    text: str, code: str, line: int | None, fragment: str
) -> None:
    with pytest.raises(FormatError) as caught:
        read_text(text)

    assert caught.value.code == code
    assert caught.value.line == line
    assert fragment in str(caught.value)
    if line is not None:
        assert str(caught.value).startswith(f"line {line}: ")


def test_date_not_matching_its_format_names_the_line() -> None:
    text = '@relation r\n@attribute d date "yyyy-MM-dd"\n@data\n2020-01-01\n01/02/2020\n'
    with pytest.raises(FormatError, match=r"^line 5: value '01/02/2020' of attribute 'd'"):
        read_text(text)


def test_invalid_utf8_names_the_line() -> None:
    data = b"@relation r\n@attribute s string\n@data\nok\n'caf\xe9'\n"
    with pytest.raises(FormatError, match=r"^line 5: the text is not valid UTF-8") as caught:
        read_arff(io.BytesIO(data))
    assert caught.value.code == "malformed_file"
