"""Read and write CSV with pyarrow's multi-threaded reader and streaming writer.

Null tokens. A field is missing when it is one of :data:`NULL_TOKENS` (``""``, ``?``, ``NA``,
``N/A``, ``NaN``, ``nan``, ``NULL``, ``null``, ``None``) in a numeric, boolean, date or nominal
column. A column that stays free text keeps ``NA``, ``null`` and friends as text (a country
code or a word is data there); only an empty field or a lone ``?`` (:data:`TEXT_NULL_TOKENS`)
is missing in it. A CSV cannot tell an empty string from a missing one: both read as missing.
The non-empty tokens read as missing are counted per column (:func:`read_csv_noted`), and so are
``missing_values`` an uploader declares, which are missing in every column.

Types. pyarrow infers int64, float64, bool (``true``/``false`` in any case), date32 (ISO dates)
and timestamp (ISO date-times). A text column becomes nominal when it has at most
:data:`MAX_CATEGORIES` (256) distinct non-null values and that number is at most
:data:`MAX_CATEGORY_SHARE` (50 %) of its non-null values; otherwise it stays a string column,
which keeps identifiers and free text as strings. Categories of an inferred nominal column are
sorted (numerically when they all look like numbers). A text column that is numbers or ISO
dates but for a few values is read as numbers or dates, those values missing (see
:mod:`mlhive.formats.inference`); ``nominal``/``string``/``numeric``/``date`` overrides decide
instead where given.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.types as pat

from mlhive.formats.inference import (
    DIRTY_DISTINCT,
    DIRTY_PATTERN,
    ColumnNote,
    Notes,
    Overrides,
    coerce_dirty,
    declare,
    null_tokens,
)
from mlhive.formats.types import (
    FormatError,
    check_column_names,
    column_names,
    nominal_column,
    normalize_table,
    open_sink,
    parse_errors,
    sorted_categories,
)

NULL_TOKENS = ("", "?", "NA", "N/A", "NaN", "nan", "NULL", "null", "None")
TEXT_NULL_TOKENS = ("", "?")
MAX_CATEGORIES = 256
MAX_CATEGORY_SHARE = 0.5

_BLOCK_SIZE = 4 << 20
_SNIFF_BYTES = 1 << 16
_WRITE_BATCH_ROWS = 65536

Source = str | os.PathLike[str] | BinaryIO


def read_csv(
    source: Source,
    *,
    nominal: Sequence[str] = (),
    string: Sequence[str] = (),
    delimiter: str | None = None,
) -> pa.Table:
    """Read a CSV (or TSV) file with a header row into a canonical table.

    Args:
        source: a path or a binary file object (read from its current position).
        nominal: columns to make nominal whatever their values look like.
        string: columns to keep as plain strings whatever their values look like.
        delimiter: the field separator; by default the most frequent of ``,``, tab and ``;``
            in the header line (tab for a ``.tsv`` path).

    Returns:
        The table, with the types described in this module's docstring.

    Raises:
        FormatError: ``empty_file`` (no header, or no data rows), ``duplicate_columns``,
            ``malformed_file`` (blank column name, a row with the wrong number of values, bad
            UTF-8; with the line number where known).
    """
    overrides = Overrides(nominal=tuple(nominal), string=tuple(string))
    return read_csv_noted(source, overrides, delimiter=delimiter)[0]


def read_csv_noted(
    source: Source, overrides: Overrides, *, delimiter: str | None = None
) -> tuple[pa.Table, Notes]:
    """Like :func:`read_csv`, with every override and a :class:`ColumnNote` per column.

    Raises:
        FormatError: as :func:`read_csv`; ``unknown_column`` for an override naming no column;
            ``malformed_file`` naming the values of a column declared numeric or date that are
            not numbers or dates.
    """
    with parse_errors("CSV"):
        return _read_csv(source, overrides, delimiter)


def _read_csv(
    source: Source, overrides: Overrides, delimiter: str | None
) -> tuple[pa.Table, Notes]:
    with _seekable(source) as (handle, start):
        head = handle.read(_SNIFF_BYTES)
        handle.seek(start)
        if not head.strip(b"\xef\xbb\xbf \t\r\n"):
            raise FormatError("empty_file", "the CSV file is empty")
        sep = delimiter or sniff_delimiter(head, source)
        forced = {name: pa.string() for name in overrides.declared()}
        # In a one-column file an empty line is a missing value, not a line to skip.
        one_column = sep.encode() not in head.split(b"\n", 1)[0]
        table = _read_with_pyarrow(handle, sep, forced, skip_empty_lines=not one_column)
        if table is None:
            handle.seek(start)
            raise _locate_parse_error(handle, sep)
        names = column_names(table, line=1)
        check_column_names(names, line=1)
        overrides.check(names)
        if table.num_rows == 0:
            raise FormatError("empty_file", "the CSV file has a header but no data rows")
        notes = {name: ColumnNote() for name in names}
    for name, column in zip(names, table.columns, strict=True):
        kind = column.type.value_type if pat.is_dictionary(column.type) else column.type
        if pat.is_binary(kind) or pat.is_large_binary(kind):
            raise FormatError("malformed_file", f"column {name!r} holds text that is not UTF-8")
    declared = overrides.by_column()
    columns = [
        _refine(table.column(i), name, declared.get(name), notes[name], overrides.missing)
        for i, name in enumerate(names)
    ]
    return normalize_table(pa.table(columns, names=names)), notes


def write_csv(table: pa.Table, sink: str | os.PathLike[str] | BinaryIO) -> None:
    """Write a table as UTF-8 CSV with a header row, streaming record batches.

    Nominal columns are written as their labels, missing values as empty fields, booleans as
    ``true``/``false``. A float column whose values are all whole numbers is written as
    ``"1.0"`` so that it reads back as floats, not integers.

    Args:
        table: a canonical table.
        sink: a path or a binary file object.
    """
    fields = [
        pa.field(field.name, pa.string()) if _as_text(table.column(i)) else field
        for i, field in enumerate(table.schema)
    ]
    schema = pa.schema(fields)
    with open_sink(sink) as out, pacsv.CSVWriter(out, schema) as writer:
        for batch in table.to_batches(max_chunksize=_WRITE_BATCH_ROWS):
            columns = [
                _csv_column(column, field.type)
                for column, field in zip(batch.columns, schema, strict=True)
            ]
            writer.write_batch(pa.record_batch(columns, schema=schema))


def _as_text(column: pa.ChunkedArray) -> bool:
    if pat.is_dictionary(column.type):
        return True
    if not pat.is_floating(column.type):
        return False
    valid = column.drop_null()
    return len(valid) > 0 and bool(pc.all(pc.equal(pc.floor(valid), valid)).as_py())


def _csv_column(column: pa.Array, target: pa.DataType) -> pa.Array:
    if column.type == target:
        return column
    text = column.cast(pa.string())
    if pat.is_floating(column.type):
        return pc.binary_join_element_wise(text, ".0", "")
    return text


@contextmanager
def _seekable(source: Source) -> Iterator[tuple[BinaryIO, int]]:
    """Yield a seekable binary handle on the source and the offset where its data starts."""
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as handle:
            yield handle, 0
    elif source.seekable():
        yield source, source.tell()
    else:
        yield io.BytesIO(source.read()), 0


def sniff_delimiter(head: bytes, source: Source | None) -> str:
    """The separator of a CSV whose first bytes are ``head``: tab for a ``.tsv`` path, else
    the most frequent of ``,``, tab and ``;`` in the header line (``,`` on a tie)."""
    if isinstance(source, str | os.PathLike) and str(source).lower().endswith(".tsv"):
        return "\t"
    first_line = head.split(b"\n", 1)[0]
    counts = {sep: first_line.count(sep.encode()) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def _read_with_pyarrow(
    handle: BinaryIO, sep: str, forced: dict[str, pa.DataType], skip_empty_lines: bool
) -> pa.Table | None:
    """Read with pyarrow; None when the rows are ragged (the caller locates the line)."""
    convert = pacsv.ConvertOptions(
        column_types=forced,
        # Only the empty field is missing to pyarrow: a column holding markers (``?``, ``NA``)
        # arrives as text, and :func:`_refine` counts them (the type report lists them) and
        # types what is left exactly as pyarrow would have.
        null_values=[""],
        strings_can_be_null=False,
        # Text columns with few distinct values arrive dictionary-encoded: far fewer string
        # allocations while parsing, and the nominal decision below only looks at categories.
        auto_dict_encode=True,
        auto_dict_max_cardinality=MAX_CATEGORIES + len(NULL_TOKENS),
        true_values=["true", "True", "TRUE"],
        false_values=["false", "False", "FALSE"],
    )
    read = pacsv.ReadOptions(use_threads=True, block_size=_BLOCK_SIZE)
    # Quoted line breaks need the quote-aware chunker (about 10 % slower); without it a block
    # boundary inside a quoted value could silently shift fields.
    parse = pacsv.ParseOptions(
        delimiter=sep, newlines_in_values=True, ignore_empty_lines=skip_empty_lines
    )
    try:
        return pacsv.read_csv(handle, read, parse, convert)
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "Empty CSV file" in message:
            raise FormatError("empty_file", "the CSV file is empty") from None
        if "CSV parse error" not in message:
            raise FormatError("malformed_file", _pyarrow_message(message)) from None
    return None


def _pyarrow_message(message: str) -> str:
    for prefix in ("CSV conversion error to ", "In CSV column "):
        message = message.replace(prefix, "")
    return message


def _locate_parse_error(handle: BinaryIO, sep: str) -> FormatError:
    """Find the first row whose field count differs from the header's, with its line number."""
    # newline="" lets the csv module see quoted line breaks; detach() leaves the caller's file open.
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="")
    try:
        return _first_ragged_row(text, sep)
    finally:
        text.detach()


def _first_ragged_row(text: io.TextIOWrapper, sep: str) -> FormatError:
    reader = csv.reader(text, delimiter=sep, strict=False)
    expected: int | None = None
    line = 0
    for row in reader:
        line_before, line = line, reader.line_num
        if not row:
            continue
        if expected is None:
            expected = len(row)
        elif len(row) != expected:
            found = f"expected {expected} values, found {len(row)}"
            return FormatError("malformed_file", found, line_before + 1)
    return FormatError("malformed_file", "the CSV file could not be parsed (unbalanced quotes?)")


def refine_text(
    column: pa.ChunkedArray, name: str, note: ColumnNote, missing: Sequence[str] = ()
) -> pa.ChunkedArray:
    """Type a text column of another source (a pandas ``str`` column) exactly as a CSV column
    with the same values: nominal, boolean, string, or dirty numbers or dates."""
    if not (pat.is_string(column.type) or pat.is_large_string(column.type)):
        return column
    return _refine(column, name, None, note, missing)


def _refine(
    column: pa.ChunkedArray,
    name: str,
    declared: str | None,
    note: ColumnNote,
    missing: Sequence[str],
) -> pa.ChunkedArray:
    """Decide what a text column is: bool, nominal, string, or numbers or dates with a few
    values that are not (see the module docstrings here and in :mod:`.inference`)."""
    if declared is not None:
        note.kind = "declared"
    if pat.is_dictionary(column.type):
        if declared is None and not _labels_may_be_dirty(column):
            return _refine_dictionary(column, note, missing)
        column = column.cast(pa.string())
    if not (pat.is_string(column.type) or pat.is_large_string(column.type)):
        if declared is None and not pat.is_null(column.type):
            note.kind = "inferred"
        return column
    text_tokens = [*TEXT_NULL_TOKENS, *missing]
    if declared == "string":
        return null_tokens(column, text_tokens, note)
    counted = ColumnNote()  # markers counted apart until the column's type is known
    cleaned = null_tokens(column, [*NULL_TOKENS, *missing], counted)
    if declared in ("numeric", "date"):
        note.add_missing(counted.missing)
        return declare(cleaned, name, "numeric" if declared == "numeric" else "date", note)
    force_nominal = declared == "nominal"
    if not force_nominal:
        coerced = coerce_dirty(cleaned, counted)
        if coerced is not None:
            note.kind, note.missing, note.missing_total = (
                counted.kind,
                counted.missing,
                counted.missing_total,
            )
            return coerced
    non_null = len(cleaned) - cleaned.null_count
    if not force_nominal and (non_null == 0 or _many_values(cleaned)):
        return null_tokens(column, text_tokens, note)
    distinct = pc.unique(cleaned).drop_null()
    if not force_nominal and _is_boolean(distinct):
        note.add_missing(counted.missing)
        return pc.equal(pc.utf8_lower(cleaned), "true")
    few = len(distinct) <= MAX_CATEGORIES and len(distinct) <= MAX_CATEGORY_SHARE * non_null
    if force_nominal or few:
        note.add_missing(counted.missing)
        return nominal_column(cleaned, sorted_categories(distinct.to_pylist()))
    return null_tokens(column, text_tokens, note)


def _labels_may_be_dirty(column: pa.ChunkedArray) -> bool:
    """Whether a dictionary-encoded text column could be numbers or dates with a few values
    that are not: decided on its few labels, so clean nominal columns stay cheap."""
    unified = column.unify_dictionaries()
    if not unified.num_chunks:
        return False
    labels = pc.drop_null(unified.chunk(0).dictionary)
    kept = pc.filter(labels, pc.invert(pc.is_in(labels, value_set=pa.array(NULL_TOKENS))))
    looks = pc.match_substring_regex(kept, DIRTY_PATTERN)
    good = int(pc.sum(looks).as_py() or 0)
    return good > 0 and len(kept) - good <= DIRTY_DISTINCT


def _refine_dictionary(
    column: pa.ChunkedArray, note: ColumnNote, missing: Sequence[str]
) -> pa.ChunkedArray:
    """A text column pyarrow dictionary-encoded while parsing: work on its few categories."""
    tokens = {*NULL_TOKENS, *missing}
    unified = column.unify_dictionaries()
    labels: list[str] = unified.chunk(0).dictionary.to_pylist() if unified.num_chunks else []
    kept = [label for label in labels if label not in tokens]
    counted = ColumnNote()
    if any(label in tokens and label for label in labels):
        # Counting on the dictionary column counts its few indices, not its text.
        counts = pc.value_counts(unified).to_pylist()
        counted.add_missing(
            {c["values"]: c["counts"] for c in counts if c["values"] in tokens and c["values"]}
        )
    if _is_boolean(pa.array(kept, pa.string())):
        note.add_missing(counted.missing)
        cleaned = null_tokens(column.cast(pa.string()), sorted(tokens), None)
        return pc.equal(pc.utf8_lower(cleaned), "true")
    categories = sorted_categories(kept)
    position = {label: i for i, label in enumerate(categories)}
    mapping = pa.array([position.get(label) for label in labels], pa.int32())
    dictionary = pa.array(categories, pa.string())
    chunks = [
        pa.DictionaryArray.from_arrays(pc.take(mapping, chunk.indices), dictionary)
        for chunk in unified.chunks
    ]
    nominal = pa.chunked_array(chunks, pa.dictionary(pa.int32(), pa.string()))
    non_null = len(nominal) - nominal.null_count
    if len(categories) <= MAX_CATEGORIES and len(categories) <= MAX_CATEGORY_SHARE * non_null:
        note.add_missing(counted.missing)
        return nominal
    return null_tokens(column.cast(pa.string()), [*TEXT_NULL_TOKENS, *missing], note)


def _many_values(column: pa.ChunkedArray) -> bool:
    # A look at the first chunk rules out ids and free text without hashing the whole column.
    return column.num_chunks > 1 and len(pc.unique(column.chunk(0))) > MAX_CATEGORIES + 1


def _is_boolean(distinct: pa.Array) -> bool:
    if not 0 < len(distinct) <= 4:
        return False
    return set(pc.utf8_lower(distinct).to_pylist()) <= {"true", "false"}
