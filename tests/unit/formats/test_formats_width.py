"""Counting a data file's columns from its header alone (the server's early width check)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from mlhive.formats.width import count_columns


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"a,b,c\n1,2,3\n", 3),
        (b'"x, with comma",y\n1,2\n', 2),
        (b"a;b;c;d\n1;2;3;4\n", 4),
        (b"a\tb\n1\t2\n", 2),
        (b"only\n1\n", 1),
    ],
)
def test_a_csv_header_is_counted_with_its_quoting_and_separator(
    content: bytes, expected: int
) -> None:
    assert count_columns(io.BytesIO(content), "csv") == expected


def test_the_file_is_left_where_it_was() -> None:
    handle = io.BytesIO(b"junk|a,b\n1,2\n")
    handle.seek(5)
    assert count_columns(handle, "csv") == 2
    assert handle.tell() == 5


def test_arff_attributes_are_counted_up_to_the_data_section() -> None:
    arff = (
        b"% a comment\n@RELATION r\n@ATTRIBUTE a NUMERIC\n@attribute 'b c' {x,y}\n"
        b"  @Attribute d STRING\n@DATA\n1,x,'@attribute not a header'\n"
    )
    assert count_columns(io.BytesIO(arff), "arff") == 3


def test_arff_counting_stops_once_past_the_limit() -> None:
    header = b"@RELATION r\n" + b"@ATTRIBUTE a NUMERIC\n" * 1000 + b"@DATA\n"
    assert count_columns(io.BytesIO(header), "arff", up_to=11) == 11


def test_a_parquet_footer_is_counted_without_a_pandas_index(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": [1, 2], "b": [3, 4]}, index=pd.Index([5, 6])).to_parquet(path)
    assert count_columns(path, "parquet") == 2


def test_what_the_header_cannot_tell_is_left_to_the_full_read() -> None:
    assert count_columns(io.BytesIO(b"not parquet"), "parquet") is None
