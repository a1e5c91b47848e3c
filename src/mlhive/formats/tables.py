"""One entry point for tabular data: detect a file's format, read it, write it, swap with pandas.

The canonical form of a dataset is a ``pyarrow.Table`` (see :mod:`mlhive.formats.types`).

Example:
    >>> fmt = detect_format("iris.csv", None)
    >>> table = read_table("iris.csv", fmt, nominal=["class"])  # doctest: +SKIP
    >>> write_arff(table, "iris.arff", relation="iris")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Sequence
from pathlib import PurePath
from typing import BinaryIO, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.types as pat

from mlhive.formats.arff import read_arff, write_arff
from mlhive.formats.csv import read_csv_noted, refine_text, write_csv
from mlhive.formats.inference import (
    ColumnNote,
    Declarable,
    Notes,
    Overrides,
    declare_typed,
    null_tokens,
)
from mlhive.formats.types import (
    FormatError,
    check_column_names,
    column_names,
    force_types,
    normalize_table,
    open_sink,
    parse_errors,
    to_nominal,
)

__all__ = [
    "FormatError",
    "TableFormat",
    "detect_format",
    "from_pandas",
    "read_parquet",
    "read_table",
    "read_table_noted",
    "to_pandas",
    "write_arff",
    "write_csv",
    "write_parquet",
    "write_table",
]

TableFormat = Literal["csv", "parquet", "arff"]
Source = str | os.PathLike[str] | BinaryIO

_EXTENSIONS: dict[str, TableFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arff": "arff",
}
_PANDAS_TEXT = frozenset({"unicode", "string", "str", "object"})
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")
_ROW_GROUP_ROWS = 1 << 20  # pyarrow's default: big groups write and scan fastest


def detect_format(filename: str | None, declared: str | None) -> TableFormat:
    """Decide a data file's format: the declared one, else the file name's extension.

    Args:
        filename: the uploaded file's name, if any (``.csv``, ``.tsv``, ``.parquet``, ``.pq``,
            ``.arff``; case-insensitive).
        declared: a format named by the uploader (``csv``, ``tsv``, ``parquet``, ``arff``).

    Returns:
        ``"csv"``, ``"parquet"`` or ``"arff"``.

    Raises:
        FormatError: ``unsupported_format`` for an unknown declared format or extension.
    """
    if declared:
        name = declared.strip().lower().lstrip(".")
        fmt = _EXTENSIONS.get(f".{name}")
        if fmt is None:
            raise FormatError("unsupported_format", f"unknown data format {declared!r}")
        return fmt
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    known = ", ".join(sorted(_EXTENSIONS))
    shown = repr(filename) if filename else "a file without a name"
    raise FormatError(
        "unsupported_format", f"cannot tell the format of {shown}; use one of {known}"
    )


def read_table(
    source: Source,
    fmt: TableFormat,
    *,
    nominal: Sequence[str] = (),
    string: Sequence[str] = (),
    as_written: bool = False,
) -> pa.Table:
    """Read a CSV, Parquet or ARFF file into a canonical table.

    Args:
        source: a path or a binary file object.
        fmt: the format, e.g. from :func:`detect_format`.
        nominal: columns to make nominal whatever they hold (categories sorted).
        string: columns to make plain strings whatever they hold.
        as_written: keep the text columns of a Parquet file as text, as its writer typed them
            (a predictions file's class labels ``"0"``, ``"1"`` stay labels), instead of
            typing them like CSV text.

    Returns:
        The table. See :mod:`mlhive.formats.csv` for CSV's null tokens and type inference,
        :mod:`mlhive.formats.arff` for ARFF's types.

    Raises:
        FormatError: ``empty_file``, ``duplicate_columns``, ``malformed_file`` (with the line
            where the format has lines) or ``unsupported_format``.
    """
    overrides = Overrides(nominal=tuple(nominal), string=tuple(string))
    return read_table_noted(source, fmt, overrides, infer_text=not as_written)[0]


def read_table_noted(
    source: Source, fmt: TableFormat, overrides: Overrides, *, infer_text: bool = True
) -> tuple[pa.Table, Notes]:
    """Read a data file with type overrides, noting how each column got its type.

    Text columns that pandas wrote into a Parquet file (``str``/``object`` dtype) are typed
    like CSV text, so a DataFrame and the CSV it was read from give the same types.

    Raises:
        FormatError: as :func:`read_table`; ``unknown_column`` for an override naming no
            column; ``malformed_file`` naming values a numeric or date override cannot read.
    """
    if fmt == "csv":
        return read_csv_noted(source, overrides)
    if fmt == "parquet":
        table, text = _read_parquet(source)
        text = text if infer_text else set()
    elif fmt == "arff":
        table, text = read_arff(source), set()
    else:
        raise FormatError("unsupported_format", f"unknown data format {fmt!r}")
    overrides.check(table.column_names)
    notes = {name: ColumnNote(kind="stored") for name in table.column_names}
    table = _drop_missing(table, overrides.missing, notes)
    declared = overrides.by_column()
    for index, name in enumerate(table.column_names):
        kind = declared.get(name)
        if kind in ("numeric", "date"):
            as_kind: Declarable = "numeric" if kind == "numeric" else "date"
            table = table.set_column(index, name, declare_typed(table.column(index), name, as_kind))
        elif kind is None and name in text:
            notes[name].kind = "inferred"
            column = refine_text(table.column(index), name, notes[name])
            table = table.set_column(index, name, column)
        if kind is not None:
            notes[name].kind = "declared"
    table = force_types(table, overrides.nominal, overrides.string)
    return normalize_table(table), notes


def _drop_missing(table: pa.Table, missing: Sequence[str], notes: Notes) -> pa.Table:
    """Declared missing values become missing in the text and nominal columns of a typed file."""
    if not missing:
        return table
    for index, name in enumerate(table.column_names):
        column = table.column(index)
        if pat.is_dictionary(column.type):
            text = column.cast(pa.string())
            cleaned = null_tokens(text, list(missing), notes[name])
            if cleaned is not text:
                table = table.set_column(index, name, to_nominal(cleaned))
        elif pat.is_string(column.type) or pat.is_large_string(column.type):
            table = table.set_column(index, name, null_tokens(column, list(missing), notes[name]))
    return table


def write_table(
    table: pa.Table,
    sink: str | os.PathLike[str] | BinaryIO,
    fmt: TableFormat,
    *,
    relation: str = "data",
) -> None:
    """Write a table in the given format (``relation`` names an ARFF's ``@RELATION``)."""
    if fmt == "csv":
        write_csv(table, sink)
    elif fmt == "parquet":
        write_parquet(table, sink)
    else:
        write_arff(table, sink, relation)


def read_parquet(source: Source) -> pa.Table:
    """Read a Parquet file into a canonical table.

    A pandas index column (``__index_level_0__``) is dropped; dictionary columns keep their
    categories, as strings with int32 indices.

    Raises:
        FormatError: ``malformed_file`` when the bytes are not Parquet, ``empty_file`` when it
            has no columns or rows, ``unsupported_format`` for nested or binary columns.
    """
    return _read_parquet(source)[0]


def _read_parquet(source: Source) -> tuple[pa.Table, set[str]]:
    """The canonical table and the names of the columns pandas wrote as ``str``/``object``."""
    path_or_file = os.fspath(source) if isinstance(source, str | os.PathLike) else source
    try:
        table = pq.read_table(path_or_file)
    except (pa.ArrowException, OSError) as exc:
        raise FormatError("malformed_file", f"not a readable Parquet file: {exc}") from None
    with parse_errors("Parquet"):
        text = _pandas_columns(table.schema, _PANDAS_TEXT)
        return _canonical_parquet(table), text


def _canonical_parquet(table: pa.Table) -> pa.Table:
    names = column_names(table)
    _check_values(table, names)
    categorical = _pandas_columns(table.schema, {"categorical"})
    keep = [i for i, name in enumerate(names) if not _PANDAS_INDEX.fullmatch(name)]
    table = table.select(keep).replace_schema_metadata(None)
    for index, name in enumerate(table.column_names):
        if name in categorical and not pat.is_dictionary(table.column(index).type):
            # pyarrow restores only string categories; numbers come back as plain numbers.
            table = table.set_column(index, name, to_nominal(table.column(index)))
    check_column_names(table.column_names)
    if table.num_rows == 0:
        raise FormatError("empty_file", "the Parquet file has no rows")
    return normalize_table(table)


def _check_values(table: pa.Table, names: list[str]) -> None:
    """Parquet readers trust the writer: text need not be UTF-8, nor offsets in bounds."""
    for name, column in zip(names, table.columns, strict=True):
        try:
            column.validate(full=True)
        except pa.ArrowInvalid as exc:
            problem = str(exc).rsplit("Invalid: ", 1)[-1]
            message = f"column {name!r} holds invalid data: {problem}"
            raise FormatError("malformed_file", message) from None


def _pandas_columns(schema: pa.Schema, pandas_types: Collection[str]) -> set[str]:
    try:
        metadata = schema.pandas_metadata or {}
    except ValueError:
        return set()
    # The metadata is the writer's JSON: a file may hold anything there.
    columns = metadata.get("columns") if isinstance(metadata, dict) else None
    return {
        c["name"]
        for c in (columns if isinstance(columns, list) else [])
        if isinstance(c, dict)
        and c.get("pandas_type") in pandas_types
        and isinstance(c.get("name"), str)
    }


def write_parquet(table: pa.Table, sink: str | os.PathLike[str] | BinaryIO) -> None:
    """Write a table as zstd-compressed Parquet in row groups of 1 Mi rows, batch by batch.

    Args:
        table: a canonical table; nominal categories (and their order) survive the round trip.
        sink: a path or a binary file object.
    """
    with open_sink(sink) as out, pq.ParquetWriter(out, table.schema, compression="zstd") as writer:
        for start in range(0, max(table.num_rows, 1), _ROW_GROUP_ROWS):
            writer.write_table(table.slice(start, _ROW_GROUP_ROWS), row_group_size=_ROW_GROUP_ROWS)


def from_pandas(df: pd.DataFrame, *, keep_pandas_metadata: bool = False) -> pa.Table:
    """Convert a DataFrame a client publishes into a canonical table.

    With ``keep_pandas_metadata`` the table keeps pandas' schema metadata, which tells the
    server which columns were ``str``/``object`` text (typed like CSV text on upload).

    ``category`` becomes nominal (categories as strings, in their order), ``bool``/``boolean``
    becomes bool, ``Int64`` and friends become integers with nulls, text becomes string,
    ``datetime64`` becomes timestamp. The index is dropped, unless it is a named index other
    than a RangeIndex: then it becomes the first column(s).

    Raises:
        FormatError: ``duplicate_columns``; ``malformed_file`` for non-string or blank column
            names; ``unsupported_format`` for columns Arrow cannot store as one type (mixed
            objects) or a dataset cannot have (timedelta, lists).
    """
    if not isinstance(df.index, pd.RangeIndex) and any(n is not None for n in df.index.names):
        df = df.reset_index()
    check_column_names(list(df.columns))
    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise FormatError("unsupported_format", str(exc)) from None
    canonical = normalize_table(table.replace_schema_metadata(None))
    if keep_pandas_metadata and table.schema.metadata and b"pandas" in table.schema.metadata:
        canonical = canonical.replace_schema_metadata({b"pandas": table.schema.metadata[b"pandas"]})
    return canonical


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """Convert a canonical table into a DataFrame.

    Nominal columns become ``category`` (categories in declared order), strings the default
    pandas string dtype, dates and timestamps ``datetime64``. Integer columns with missing
    values become float64 with NaN (what scikit-learn expects); boolean columns with missing
    values become pandas' nullable ``boolean``.
    """
    df: pd.DataFrame = table.replace_schema_metadata(None).to_pandas(date_as_object=False)
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pat.is_boolean(column.type) and column.null_count:
            df[name] = df[name].astype("boolean")
    return df
