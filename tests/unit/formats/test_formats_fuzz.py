"""Fuzzing the table readers: whatever the bytes, a reader returns a table a dataset can store
or raises FormatError with a message; never another exception (which a request turns into
a 500)."""

from __future__ import annotations

import io

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz import FUZZ, IN_PLACE, mutated
from tests.malformed import ARFF_SEEDS, CSV_SEEDS, NOT_UTF8, parquet_seeds

from mlhive.formats.tables import (
    FormatError,
    TableFormat,
    read_table,
    write_arff,
    write_csv,
    write_parquet,
)

VALUES = [b"1", b"-2.5e400", b"0x1F", b"?", b"", b"NA", b"true", b"x", b"'y z'", b'"q"', b"'",
          b"\\", b"\\u00e9", b"2020-01-02", b"2020-13-45T99:00", b"{0 1}", b"%", b" ", NOT_UTF8,
          b"\x00", b"\xef\xbb\xbf"]  # fmt: skip
NAMES = [b"a", b"b", b"'b c'", b"", b" ", b"a", b"__index_level_0__", NOT_UTF8, b'"q"']
SEPARATORS = [b",", b";", b"\t", b"\n", b"\r\n", b'"', b""]
DECLARATIONS = [b"numeric", b"integer", b"real", b"string", b"date", b"date 'yyyy-MM-dd'",
                b"date \"yyyy-MM-dd HH:mm:ss.SSS\"", b"{x,'y z'}", b"{False,True}", b"{}", b"{x",
                b"relational", b"complex", b""]  # fmt: skip


@st.composite
def csv_soup(draw: st.DrawFn) -> bytes:
    """A header of (sometimes odd) names, then rows of values and separators."""
    sep = draw(st.sampled_from([b",", b";", b"\t"]))
    header = sep.join(draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4)))
    cells = st.one_of(st.sampled_from(VALUES), st.sampled_from(SEPARATORS))
    body = b"".join(draw(st.lists(cells, max_size=30)))
    return header + b"\n" + body


@st.composite
def arff_soup(draw: st.DrawFn) -> bytes:
    """A header of (sometimes odd) declarations, ``@DATA`` (maybe last), then rows."""
    lines = [b"@relation " + draw(st.sampled_from(NAMES))] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(1, 4))):
        name, kind = draw(st.sampled_from(NAMES)), draw(st.sampled_from(DECLARATIONS))
        lines.append(b"@attribute " + name + b" " + kind)
    head = b"\n".join([*lines, b"@data"])
    cells = st.one_of(st.sampled_from(VALUES), st.sampled_from([b",", b"\n", b"{", b"}", b" "]))
    body = b"".join(draw(st.lists(cells, max_size=30)))
    return head + (b"\n" + body if body or draw(st.booleans()) else b"")


PARQUET_SEEDS = parquet_seeds()


CODES = ("malformed_file", "unsupported_format", "empty_file", "duplicate_columns")


def _read(content: bytes, fmt: TableFormat) -> pa.Table | FormatError:
    try:
        return read_table(io.BytesIO(content), fmt)
    except FormatError as exc:
        return exc


def _check(content: bytes, fmt: TableFormat) -> None:
    result = _read(content, fmt)
    if isinstance(result, FormatError):
        assert result.code in CODES and result.detail.strip()
        return
    # What publishing a dataset does next: store it as Parquet; processing writes ARFF.
    assert result.num_rows > 0
    write_parquet(result, io.BytesIO())
    write_arff(result, io.BytesIO(), relation="fuzz")
    write_csv(result, io.BytesIO())


@FUZZ
@given(st.one_of(mutated(CSV_SEEDS, VALUES), csv_soup(), st.binary(max_size=100)))
def test_fuzz_csv_reader_raises_only_format_errors(content: bytes) -> None:
    _check(content, "csv")


@FUZZ
@given(st.one_of(mutated(ARFF_SEEDS, VALUES), arff_soup(), st.binary(max_size=100)))
def test_fuzz_arff_reader_raises_only_format_errors(content: bytes) -> None:
    _check(content, "arff")


@FUZZ
@given(
    st.one_of(
        mutated(PARQUET_SEEDS, tail=2000, edits=IN_PLACE),
        mutated(PARQUET_SEEDS, (NOT_UTF8, b"\x00", b"\xff\xff\xff\x7f"), tail=2000),
    )
)
def test_fuzz_parquet_reader_raises_only_format_errors(content: bytes) -> None:
    _check(content, "parquet")
