"""Column types of the canonical dataset table, and the error every reader raises.

The canonical in-memory and on-disk form of a dataset is an Arrow table (stored as Parquet).
How a column's Arrow type maps onto OpenML's four feature types:

- ``numeric``: any integer or floating-point column (booleans excluded);
- ``nominal``: a dictionary-encoded column (pandas ``category``) or a boolean column;
- ``string``:  a plain (large) string column;
- ``date``:    a date or timestamp column.

Canonical columns: int/float (missing values are nulls, never NaN), ``dictionary<int32, string>``
with one dictionary shared by all chunks (its order is the declared category order), ``bool``,
``string``, ``date32`` or ``timestamp[us]`` (with or without time zone).
:func:`normalize_table` brings any Arrow table there.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

FeatureType = Literal["numeric", "nominal", "string", "date"]
FormatErrorCode = Literal[
    "malformed_file", "unsupported_format", "empty_file", "duplicate_columns", "unknown_column"
]

NOMINAL_TYPE = pa.dictionary(pa.int32(), pa.string())
TIMESTAMP_UNIT = "us"


class FormatError(ValueError):
    """A data file or table that cannot become a dataset.

    Attributes:
        code: ``malformed_file``, ``unsupported_format``, ``empty_file``, ``duplicate_columns``
            or ``unknown_column`` (a type override naming no column).
        line: the 1-based line of the file the problem is on, when there is one.
    """

    def __init__(self, code: FormatErrorCode, message: str, line: int | None = None) -> None:
        self.code: FormatErrorCode = code
        self.line = line
        self.detail = message
        super().__init__(f"line {line}: {message}" if line is not None else message)


@contextmanager
def parse_errors(what: str) -> Iterator[None]:
    """Let only :class:`FormatError` out of a reader: turn what pyarrow and the codecs raise
    on bytes they cannot read (a name that is not UTF-8, a truncated buffer) into
    ``malformed_file`` naming the problem.

    Args:
        what: the kind of file, for the message (``"CSV"``, ``"Parquet"``, ``"ARFF"``).
    """
    try:
        yield
    except UnicodeDecodeError as exc:
        raise FormatError(
            "malformed_file", f"the {what} file holds text that is not UTF-8 ({exc.reason})"
        ) from None
    except pa.ArrowMemoryError:
        raise  # the server's trouble, not the file's
    except pa.ArrowException as exc:
        raise FormatError("malformed_file", f"the {what} file cannot be read: {exc}") from None


def column_names(table: pa.Table, line: int | None = None) -> list[str]:
    """A table's column names; a name that is not UTF-8 is ``malformed_file`` naming it.

    Raises:
        FormatError: ``malformed_file`` naming the first column whose name is not UTF-8.
    """
    names: list[str] = []
    for position in range(table.num_columns):
        try:
            names.append(table.schema.field(position).name)
        except UnicodeDecodeError:
            raise FormatError(
                "malformed_file",
                f"the name of column {position + 1} is not valid UTF-8 text; save the file "
                "with UTF-8 column names",
                line,
            ) from None
    return names


def feature_type(dtype: pa.DataType) -> FeatureType:
    """Return OpenML's feature type for an Arrow column type.

    Raises:
        ValueError: for types a dataset column cannot have (lists, structs, binary, ...).
    """
    if pat.is_dictionary(dtype) or pat.is_boolean(dtype):
        return "nominal"
    if pat.is_integer(dtype) or pat.is_floating(dtype) or pat.is_decimal(dtype):
        return "numeric"
    if pat.is_string(dtype) or pat.is_large_string(dtype) or pat.is_string_view(dtype):
        return "string"
    if pat.is_date(dtype) or pat.is_timestamp(dtype):
        return "date"
    if pat.is_null(dtype):
        return "string"
    raise ValueError(f"unsupported column type {dtype}")


def nominal_values(column: pa.ChunkedArray | pa.Array) -> list[str]:
    """The declared categories of a nominal column, as strings, in their stored order.

    Raises:
        TypeError: the column is neither dictionary-encoded nor boolean.
    """
    dtype = column.type
    if pat.is_boolean(dtype):
        return ["False", "True"]
    if not pat.is_dictionary(dtype):
        raise TypeError(f"a {dtype} column is not nominal (dictionary-encoded or boolean)")
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 0:
            return [str(v) for v in pa.array([], dtype.value_type).to_pylist()]
        column = column.unify_dictionaries().chunk(0) if column.num_chunks > 1 else column.chunk(0)
    return [str(v) for v in column.dictionary.to_pylist()]


def check_column_names(names: Sequence[object], line: int | None = None) -> None:
    """Check that column names are non-empty, unique strings.

    Raises:
        FormatError: ``malformed_file`` for a blank or non-string name, ``duplicate_columns``
            for a name used twice (compared exactly, case-sensitively).
    """
    if not names:
        raise FormatError("empty_file", "the data has no columns", line)
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not isinstance(name, str):
            raise FormatError(
                "malformed_file",
                f"column {position} has a name of type {type(name).__name__}; "
                "column names must be strings",
                line,
            )
        if not name.strip():
            raise FormatError("malformed_file", f"column {position} has a blank name", line)
        if name in seen:
            raise FormatError("duplicate_columns", f"duplicate column name {name!r}", line)
        seen.add(name)


def nominal_column(
    values: pa.ChunkedArray, categories: Sequence[str] | pa.Array
) -> pa.ChunkedArray:
    """Dictionary-encode a string column against the given categories, in their order.

    Values that are not among the categories become null; callers check beforehand.
    """
    dictionary = (
        categories if isinstance(categories, pa.Array) else pa.array(categories, pa.string())
    )
    chunks = [
        pa.DictionaryArray.from_arrays(
            pc.index_in(chunk, value_set=dictionary).cast(pa.int32()), dictionary
        )
        for chunk in values.chunks
    ]
    return pa.chunked_array(chunks, NOMINAL_TYPE)


def sorted_categories(values: Iterable[str]) -> list[str]:
    """Sort category labels: numerically when all look like numbers, else lexicographically."""
    labels = list(values)
    try:
        keys = [float(v) for v in labels]
    except ValueError:
        return sorted(labels)
    if any(math.isnan(k) for k in keys):
        return sorted(labels)
    return [label for _, label in sorted(zip(keys, labels, strict=True))]


def to_nominal(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Turn any column into a nominal one whose categories are its distinct values, sorted."""
    if pat.is_dictionary(column.type):
        return _normalize_dictionary(column)
    if pat.is_boolean(column.type):
        strings = pc.if_else(column, "True", "False")
        return nominal_column(strings, ["False", "True"])
    strings = column.cast(pa.string())
    distinct = pc.unique(strings).drop_null().to_pylist()
    return nominal_column(strings, sorted_categories(distinct))


def force_types(
    table: pa.Table, nominal: Sequence[str] = (), string: Sequence[str] = ()
) -> pa.Table:
    """Make the named columns nominal or plain strings.

    Raises:
        FormatError: ``malformed_file`` when a named column does not exist.
    """
    # ``column_names`` builds a list of every name on each read: look positions up once.
    positions = {name: index for index, name in enumerate(table.column_names)}
    check_override_names(positions.keys(), nominal, string)
    for name in nominal:
        index = positions[name]
        table = table.set_column(index, name, to_nominal(table.column(index)))
    for name in string:
        index = positions[name]
        column = table.column(index)
        if pat.is_dictionary(column.type):
            column = column.cast(pa.string())
        table = table.set_column(index, name, column.cast(pa.string()))
    return table


def check_override_names(
    names: Collection[str],
    nominal: Sequence[str],
    string: Sequence[str],
    numeric: Sequence[str] = (),
    date: Sequence[str] = (),
) -> None:
    """Check that type overrides name existing columns and do not contradict each other.

    Raises:
        FormatError: ``unknown_column`` naming a column that does not exist,
            ``malformed_file`` naming a column given two types.
    """
    known = set(names)  # a set: thousands of overrides on thousands of columns stay linear
    groups = {"nominal": nominal, "string": string, "numeric": numeric, "date": date}
    seen: dict[str, str] = {}
    for kind, columns in groups.items():
        for name in columns:
            if name not in known:
                shown = ", ".join(list(names)[:20])
                raise FormatError(
                    "unknown_column",
                    f"{kind}_attributes: there is no column {name!r} to force a type on "
                    f"(columns: {shown}{' …' if len(known) > 20 else ''})",
                )
            if seen.get(name, kind) != kind:
                raise FormatError(
                    "malformed_file", f"column {name!r} forced both {seen[name]} and {kind}"
                )
            seen[name] = kind


def normalize_table(table: pa.Table) -> pa.Table:
    """Bring an Arrow table into the canonical dataset form.

    Dictionary columns get int32 indices, string values and one shared dictionary; NaN in float
    columns becomes null; null-typed columns become string columns; large/view strings become
    strings where they fit; decimals become float64; date64 becomes date32. Schema and field
    metadata (e.g. pandas') are dropped.

    Raises:
        FormatError: ``malformed_file``/``duplicate_columns`` for bad names, ``empty_file`` for no
            columns, ``unsupported_format`` for a column type a dataset cannot have.
    """
    check_column_names(table.column_names)
    columns = [_normalize_column(name, table.column(name)) for name in table.column_names]
    return pa.table(columns, names=table.column_names)


def _normalize_column(name: str, column: pa.ChunkedArray) -> pa.ChunkedArray:
    dtype = column.type
    if pat.is_dictionary(dtype):
        return _normalize_dictionary(column)
    if pat.is_floating(dtype):
        nan = pc.is_nan(column)
        return pc.if_else(nan, pa.scalar(None, dtype), column) if pc.any(nan).as_py() else column
    if pat.is_decimal(dtype):
        return column.cast(pa.float64())
    if pat.is_null(dtype):
        return column.cast(pa.string())
    if pat.is_large_string(dtype) or pat.is_string_view(dtype):
        return _as_string(column)
    if pat.is_date64(dtype):
        return column.cast(pa.date32())
    if pat.is_integer(dtype) or pat.is_boolean(dtype) or pat.is_string(dtype):
        return column
    if pat.is_timestamp(dtype):
        # One unit everywhere (Parquet has no seconds, pandas likes ns, ARFF gives s or ms) so
        # that a table compares equal after any round trip; finer than microseconds is cut off.
        return column.cast(pa.timestamp(TIMESTAMP_UNIT, dtype.tz), safe=False)
    if pat.is_date32(dtype):
        return column
    raise FormatError(
        "unsupported_format",
        f"column {name!r} has type {dtype}, which a dataset column cannot have",
    )


def _as_string(column: pa.ChunkedArray) -> pa.ChunkedArray:
    try:
        return column.cast(pa.string())
    except pa.ArrowInvalid:
        # A single chunk with more than 2 GiB of text only fits a large_string.
        return column.cast(pa.large_string())


def _normalize_dictionary(column: pa.ChunkedArray) -> pa.ChunkedArray:
    value_type = column.type.value_type
    if not (pat.is_string(value_type) and column.type.index_type == pa.int32()):
        chunks = [
            pa.DictionaryArray.from_arrays(
                chunk.indices.cast(pa.int32()), _dictionary_strings(chunk.dictionary)
            )
            for chunk in column.chunks
        ]
        column = pa.chunked_array(chunks, NOMINAL_TYPE)
    if column.num_chunks > 1:
        column = column.unify_dictionaries()
    return column


def _dictionary_strings(dictionary: pa.Array) -> pa.Array:
    if pat.is_floating(dictionary.type):
        # Whole-number float categories (1.0) read better, and match CSV text, as "1".
        return pa.array([_float_label(v) for v in dictionary.to_pylist()], pa.string())
    return dictionary.cast(pa.string())


def _float_label(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if value.is_integer() else repr(value)


@contextmanager
def open_sink(sink: str | os.PathLike[str] | BinaryIO) -> Iterator[BinaryIO]:
    """Open a path for binary writing (closing it after), or pass a file object through."""
    if isinstance(sink, str | os.PathLike):
        with Path(sink).open("wb") as handle:
            yield handle
    else:
        yield sink
