"""How many columns a data file declares, read from its header alone.

Parsing a file with a million columns takes far longer than reading its header, so a reader
with a column limit (the server's ``max_columns``) asks first. The count is a lower bound: a
CSV header whose quoted names span lines counts only its first line, and a header longer than
the bytes looked at counts what was seen. So a file is never refused for a count it does not
have; the full read that follows counts exactly.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from mlhive.formats.csv import sniff_delimiter

_HEADER_BYTES = 16 << 20  # a CSV header line of ~2 million short names
_ATTRIBUTE = re.compile(rb"\s*@attribute\s", re.I)
_DATA = re.compile(rb"\s*@data\b", re.I)
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


def count_columns(
    source: str | os.PathLike[str] | BinaryIO, fmt: str, *, up_to: int | None = None
) -> int | None:
    """The number of columns the file's header declares (a lower bound; see the module).

    Args:
        source: a path or a seekable binary file object (left at its current position).
        fmt: ``"csv"``, ``"arff"`` or ``"parquet"``.
        up_to: stop counting once this many were seen (the answer is then ``up_to``).

    Returns:
        The count, or None when the header cannot tell (not seekable, not readable): the
        full read then reports the problem.
    """
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as handle:
            return _count(handle, fmt, up_to, os.fspath(source))
    if not source.seekable():
        return None
    start = source.tell()
    try:
        return _count(source, fmt, up_to, None)
    finally:
        source.seek(start)


def _count(handle: BinaryIO, fmt: str, up_to: int | None, path: str | None) -> int | None:
    if fmt == "csv":
        return _csv_columns(handle, path)
    if fmt == "arff":
        return _arff_attributes(handle, up_to)
    if fmt == "parquet":
        return _parquet_columns(handle)
    return None


def _csv_columns(handle: BinaryIO, path: str | None) -> int:
    line = handle.readline(_HEADER_BYTES).decode("utf-8", errors="replace")
    separator = sniff_delimiter(line.encode(), path)
    return len(next(csv.reader([line.rstrip("\r\n")], delimiter=separator), []))


def _arff_attributes(handle: BinaryIO, up_to: int | None) -> int:
    count = 0
    for line in handle:
        if _DATA.match(line):
            break
        if _ATTRIBUTE.match(line):
            count += 1
            if up_to is not None and count >= up_to:
                break
    return count


def _parquet_columns(handle: BinaryIO) -> int | None:
    try:
        names = pq.ParquetFile(handle).schema_arrow.names
    except (pa.ArrowException, OSError, ValueError):  # ValueError: names that are not UTF-8
        return None
    return sum(1 for name in names if not _PANDAS_INDEX.fullmatch(name))
