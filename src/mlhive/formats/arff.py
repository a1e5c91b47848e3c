"""Read and write ARFF (Weka's Attribute-Relation File Format), as OpenML serves it.

Reading: ``NUMERIC``/``REAL`` attributes become float64; ``INTEGER`` becomes int64 (with nulls for
missing values) unless a value has a fraction, then float64; nominal attributes become dictionary
columns whose categories are the declared values in declared order (also those that never occur);
a nominal attribute declared exactly ``{False,True}`` becomes bool (that is how booleans are
written); ``STRING`` becomes string; ``DATE [format]`` becomes date32 when the format has no time
of day, else a timestamp. An unquoted ``?`` (or an empty field) is missing; a quoted ``'?'`` is the
text ``?``. Keywords are case-insensitive, ``%`` starts a comment line, values may be quoted with
single or double quotes and use backslash escapes (``\\n``, ``\\'``, ``\\%``, octal ``\\012``,
``\\u00e9``), and sparse rows (``{0 1, 3 x}``) leave unlisted values at 0 (for a nominal
attribute: its first declared value; for a string attribute: the empty string).
:func:`is_sparse_arff` tells whether every data row of a file is sparse (OpenML's
``sparse_arff`` format).

Writing produces UTF-8 text that liac-arff (openml-python) and Weka read: booleans as nominal
``{False,True}``, dates with the format ``yyyy-MM-dd`` or ``yyyy-MM-dd'T'HH:mm:ss[.SSS]`` (UTC wall
time for time-zone-aware timestamps), missing values as ``?``. liac-arff cannot read ``DATE``
attributes; pass ``dates="string"`` to write dates as ISO text instead.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.types as pat

from mlhive.formats.types import (
    FormatError,
    nominal_column,
    normalize_table,
    open_sink,
    parse_errors,
)

Kind = Literal["numeric", "integer", "nominal", "string", "date"]
_BOOL_CATEGORIES = ("False", "True")
_KINDS: dict[str, Kind] = {
    "numeric": "numeric",
    "real": "numeric",
    "integer": "integer",
    "string": "string",
}
_DEFAULT_DATE = "yyyy-MM-dd'T'HH:mm:ss"
_WRITE_BATCH_ROWS = 32768

_QUOTED = r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,'"\s{}](?:[^,{}]*[^,\s{}])?)"""
_DENSE = re.compile(rf"\s*(?:{_QUOTED})?\s*(,|$)", re.S)
_SPARSE = re.compile(rf"\s*(\d+)\s+(?:{_QUOTED})\s*(,|$)", re.S)
_NAME = re.compile(r"""\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^\s{]+))""", re.S)
_KEYWORD = re.compile(r"@(relation|attribute|data)(?=\s|$)", re.I)
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[0-7]{1,3}|.)", re.S)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_NEEDS_QUOTES = re.compile(r"[\s'\"%,\\{}\x00-\x1f]")
_NEEDS_QUOTES_RE2 = r"^$|^\?$|[\s\p{Z}\x{85}'\"%,\\{}\x00-\x1f]"
_CONTROL = re.compile(r"[\x00-\x1f]")
_OTHER_CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\n\r\t\b\f")
_JAVA_DATE = [("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H")]
_JAVA_DATE += [("mm", "%M"), ("ss", "%S"), ("'", "")]


@dataclass(frozen=True)
class Attribute:
    """One ``@ATTRIBUTE`` declaration."""

    name: str
    kind: Kind
    categories: tuple[str, ...] = ()
    date_format: str = _DEFAULT_DATE


@dataclass(frozen=True)
class _Header:
    attributes: list[Attribute]
    data_offset: int
    data_line: int


def read_arff(source: str | os.PathLike[str] | BinaryIO) -> pa.Table:
    """Read an ARFF file into a canonical table (types as in this module's docstring).

    Args:
        source: a path or a binary file object holding UTF-8 ARFF text.

    Returns:
        One column per attribute, in declared order.

    Raises:
        FormatError: ``empty_file`` (no attributes or no data rows), ``duplicate_columns``,
            ``unsupported_format`` (relational attributes) or ``malformed_file``, each with the
            line number.
    """
    raw = Path(source).read_bytes() if isinstance(source, str | os.PathLike) else source.read()
    with parse_errors("ARFF"):
        return _read_arff(raw)


_DENSE_ROW = re.compile(rb"^[ \t\r]*[^\s{%]", re.M)
_SPARSE_ROW = re.compile(rb"^[ \t\r]*\{", re.M)


def is_sparse_arff(source: str | os.PathLike[str] | BinaryIO) -> bool:
    """Whether every data row of an ARFF file is a sparse row (``{0 1, 3 x}``): what OpenML
    calls the ``sparse_arff`` format. A file object is read from its start and rewound.

    Raises:
        FormatError: as :func:`read_arff`, for a file without a readable header.
    """
    with contextlib.ExitStack() as stack:
        if isinstance(source, str | os.PathLike):
            source = stack.enter_context(Path(source).open("rb"))
        source.seek(0)
        stack.callback(source.seek, 0)
        raw = _mapped(source, stack)
        with parse_errors("ARFF"):
            offset = _parse_header(raw).data_offset
        # Two scans of the data section at C speed, without a copy of the file when it has one.
        sparse = _SPARSE_ROW.search(raw, offset) is not None
        return sparse and _DENSE_ROW.search(raw, offset) is None


def _mapped(handle: BinaryIO, stack: contextlib.ExitStack) -> bytes | mmap.mmap:
    """The file's bytes: mapped from disk when it is a real, non-empty file, else read."""
    try:
        fileno = handle.fileno()
        if os.fstat(fileno).st_size > 0:
            return stack.enter_context(mmap.mmap(fileno, 0, access=mmap.ACCESS_READ))
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        pass
    return handle.read()


def _read_arff(raw: bytes) -> pa.Table:
    if not raw.strip():
        raise FormatError("empty_file", "the ARFF file is empty")
    header = _parse_header(raw)
    columns = _read_simple_data(raw, header.data_offset, header.attributes)
    if columns is None:
        columns = _read_data(raw[header.data_offset :], header)
    if len(columns[0]) == 0:
        raise FormatError("empty_file", "the ARFF file has no data rows", header.data_line)
    return normalize_table(pa.table(columns, names=[a.name for a in header.attributes]))


def _parse_header(raw: bytes | mmap.mmap) -> _Header:
    attributes: list[Attribute] = []
    names: set[str] = set()
    pos, line_no = 0, 0
    while pos < len(raw):
        end = raw.find(b"\n", pos)
        end = len(raw) if end == -1 else end
        line_no += 1
        text = _decode(raw[pos:end], line_no).strip()
        pos = min(end + 1, len(raw))  # a file may end right after "@DATA", without a newline
        if not text or text.startswith("%"):
            continue
        keyword = _KEYWORD.match(text)
        if keyword is None:
            raise FormatError(
                "malformed_file",
                f"expected @RELATION, @ATTRIBUTE or @DATA, found {text[:40]!r}",
                line_no,
            )
        word, rest = keyword.group(1).lower(), text[keyword.end() :]
        if word == "attribute":
            attribute = _parse_attribute(rest, line_no)
            if attribute.name in names:
                raise FormatError(
                    "duplicate_columns", f"duplicate attribute name {attribute.name!r}", line_no
                )
            names.add(attribute.name)
            attributes.append(attribute)
        elif word == "data":
            if not attributes:
                raise FormatError("empty_file", "the ARFF file declares no attributes", line_no)
            return _Header(attributes, pos, line_no + 1)
    raise FormatError("malformed_file", "the ARFF file has no @DATA section", line_no)


def _decode(raw: bytes, line_no: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("malformed_file", "the text is not valid UTF-8", line_no) from None


def _parse_attribute(rest: str, line_no: int) -> Attribute:
    match = _NAME.match(rest)
    if match is None or not rest.strip():
        raise FormatError("malformed_file", "@ATTRIBUTE without a name", line_no)
    name = _token(match, 1, question_is_missing=False)
    if not name or not name.strip():
        raise FormatError("malformed_file", "@ATTRIBUTE with a blank name", line_no)
    spec = rest[match.end() :].strip()
    if spec.startswith("{"):
        if not spec.endswith("}"):
            raise FormatError(
                "malformed_file", f"unterminated nominal declaration of {name!r}", line_no
            )
        inner = spec[1:-1]
        values = _split_dense(inner, line_no, question_is_missing=False) if inner.strip() else []
        categories = tuple(dict.fromkeys(v for v in values if v is not None))
        return Attribute(name, "nominal", categories)
    if not spec:
        raise FormatError("malformed_file", f"attribute {name!r} has no type", line_no)
    word, *date_format = spec.split(None, 1)
    if word.lower() in _KINDS:
        return Attribute(name, _KINDS[word.lower()])
    if word.lower() == "date":
        fmt = _unquote(date_format[0].strip()) if date_format else _DEFAULT_DATE
        return Attribute(name, "date", date_format=fmt)
    if word.lower() == "relational":
        raise FormatError(
            "unsupported_format", f"relational attribute {name!r} is not supported", line_no
        )
    raise FormatError("malformed_file", f"attribute {name!r} has unknown type {word!r}", line_no)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return _unescape(text[1:-1])
    return text


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] == "u" and len(code) == 5:
        return chr(int(code[1:], 16))
    if code[0].isdigit() and code[0] not in "89":
        return chr(int(code, 8))
    return _ESCAPES.get(code, code)


def _token(match: re.Match[str], first: int, question_is_missing: bool = True) -> str | None:
    """The value of a token; ``None`` for an unquoted ``?`` or an empty token (missing)."""
    single, double, bare = match.group(first), match.group(first + 1), match.group(first + 2)
    if single is not None:
        return _unescape(single)
    if double is not None:
        return _unescape(double)
    if bare is None or (bare == "?" and question_is_missing):
        return None
    return bare


def _split_dense(line: str, line_no: int, question_is_missing: bool = True) -> list[str | None]:
    values: list[str | None] = []
    pos = 0
    while True:
        match = _DENSE.match(line, pos)
        if match is None:
            bad = line[pos : pos + 30]
            raise FormatError("malformed_file", f"cannot read a value at {bad!r}", line_no)
        values.append(_token(match, 1, question_is_missing))
        if match.group(4) != ",":
            return values
        pos = match.end()


def _split_sparse(line: str, line_no: int, width: int) -> dict[int, str | None]:
    values: dict[int, str | None] = {}
    inner, pos = line[1:-1], 0
    while inner.strip():
        match = _SPARSE.match(inner, pos)
        if match is None:
            bad = inner[pos : pos + 30]
            raise FormatError("malformed_file", f"cannot read a sparse value at {bad!r}", line_no)
        index = int(match.group(1))
        if index >= width:
            message = f"sparse index {index} is out of range for {width} attributes"
            raise FormatError("malformed_file", message, line_no)
        values[index] = _token(match, 2)
        if match.group(5) != ",":
            break
        pos = match.end()
    return values


def _read_simple_data(
    raw: bytes, offset: int, attributes: list[Attribute]
) -> list[pa.ChunkedArray] | None:
    """Read unquoted, dense data with pyarrow's CSV reader; None when the slow path must decide.

    The slow path also runs for every file with an error, so that errors carry line numbers.
    """
    if any(raw.find(char, offset) != -1 for char in (b"'", b'"', b"{", b"%", b"\\")):
        return None
    names = [f"c{i}" for i in range(len(attributes))]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(raw).slice(offset)),
            pacsv.ReadOptions(column_names=names, use_threads=True),
            pacsv.ParseOptions(delimiter=",", quote_char=False),
            pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=["?"]),
        )
    except pa.ArrowInvalid:
        return None
    columns = []
    for name, attribute in zip(names, attributes, strict=True):
        tokens = pc.utf8_trim_whitespace(table.column(name))
        tokens = pc.if_else(
            pc.is_in(tokens, pa.array(["?", ""])), pa.scalar(None, pa.string()), tokens
        )
        try:
            columns.append(_convert(tokens, attribute, None))
        except FormatError:
            return None
    return columns


def _read_data(data: bytes, header: _Header) -> list[pa.ChunkedArray]:
    attributes = header.attributes
    width = len(attributes)
    # Dense rows give every column a token; sparse rows only the columns they list, kept with
    # their row numbers, so that a sparse file costs its listed values, not rows x columns.
    columns: list[list[str | None]] = [[] for _ in attributes]
    dense_rows: list[int] = []
    sparse_rows: list[list[int]] = [[] for _ in attributes]
    sparse_tokens: list[list[str | None]] = [[] for _ in attributes]
    row_lines: list[int] = []
    for line_no, text in _data_lines(data, header.data_line):
        row = len(row_lines)
        row_lines.append(line_no)
        if text.startswith("{") and text.endswith("}"):
            for index, value in _split_sparse(text, line_no, width).items():
                sparse_rows[index].append(row)
                sparse_tokens[index].append(value)
            continue
        values = _split_dense(text, line_no)
        if len(values) != width:
            message = f"expected {width} values, found {len(values)}"
            raise FormatError("malformed_file", message, line_no)
        for column, value in zip(columns, values, strict=True):
            column.append(value)
        dense_rows.append(row)
    if len(dense_rows) == len(row_lines):
        return [
            _convert(pa.chunked_array([pa.array(values, pa.string())]), attribute, row_lines)
            for values, attribute in zip(columns, attributes, strict=True)
        ]
    return [
        _scatter(attribute, len(row_lines), row_lines, dense_rows, dense, rows, tokens)
        for attribute, dense, rows, tokens in zip(
            attributes, columns, sparse_rows, sparse_tokens, strict=True
        )
    ]


def _scatter(
    attribute: Attribute,
    length: int,
    row_lines: list[int],
    dense_rows: list[int],
    dense_tokens: list[str | None],
    sparse_rows: list[int],
    sparse_tokens: list[str | None],
) -> pa.ChunkedArray:
    """One column of a file with sparse rows: its unlisted values at the sparse default.

    The default and the given tokens are converted together (so they get one type, and a bad
    token its line number), then spread over the rows with one ``take``.
    """
    rows = np.asarray(dense_rows + sparse_rows, dtype=np.int64)
    tokens = [_sparse_default(attribute), *dense_tokens, *sparse_tokens]
    lines = [row_lines[0], *(row_lines[r] for r in rows)]
    converted = _convert(pa.chunked_array([pa.array(tokens, pa.string())]), attribute, lines)
    positions = np.zeros(length, dtype=np.int64)  # 0: the default
    positions[rows] = np.arange(1, len(rows) + 1)  # a row listing an index twice: the last
    return converted.take(pa.array(positions))


def _data_lines(data: bytes, first_line: int) -> Iterator[tuple[int, str]]:
    for line_no, raw in enumerate(data.split(b"\n"), start=first_line):
        text = _decode(raw, line_no).strip()
        if text and not text.startswith("%"):
            yield line_no, text


def _sparse_default(attribute: Attribute) -> str | None:
    if attribute.kind in ("numeric", "integer"):
        return "0"
    if attribute.kind == "nominal":
        return attribute.categories[0] if attribute.categories else None
    return "" if attribute.kind == "string" else None


def _convert(
    tokens: pa.ChunkedArray, attribute: Attribute, lines: list[int] | None
) -> pa.ChunkedArray:
    """Turn a column of value tokens into the attribute's Arrow type."""
    if attribute.kind == "integer":
        # Exact beyond 2**53, unlike going through floats; "1.5" and friends fall through.
        with contextlib.suppress(pa.ArrowInvalid):
            return tokens.cast(pa.int64())
    if attribute.kind in ("numeric", "integer"):
        numbers = _cast_or_fail(tokens, pa.float64(), attribute, lines, "is not a number")
        return _integers(numbers) if attribute.kind == "integer" else numbers
    if attribute.kind == "nominal":
        return _nominal(tokens, attribute, lines)
    if attribute.kind == "date":
        return _dates(tokens, attribute, lines)
    return tokens


def _cast_or_fail(
    tokens: pa.ChunkedArray,
    dtype: pa.DataType,
    attribute: Attribute,
    lines: list[int] | None,
    problem: str,
) -> pa.ChunkedArray:
    try:
        return tokens.cast(dtype)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        for index, value in enumerate(tokens.to_pylist()):
            try:
                pa.array([value], pa.string()).cast(dtype)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise _bad_value(value, attribute, lines, index, problem) from None
        raise


def _bad_value(
    value: object, attribute: Attribute, lines: list[int] | None, index: int, problem: str
) -> FormatError:
    line = lines[index] if lines is not None else None
    return FormatError(
        "malformed_file", f"value {value!r} of attribute {attribute.name!r} {problem}", line
    )


def _integers(numbers: pa.ChunkedArray) -> pa.ChunkedArray:
    valid = numbers.drop_null()
    whole = pc.all(pc.equal(pc.floor(valid), valid)).as_py() is not False
    in_range = len(valid) == 0 or pc.max(pc.abs(valid)).as_py() < 2.0**63
    return numbers.cast(pa.int64()) if whole and in_range else numbers


def _nominal(
    tokens: pa.ChunkedArray, attribute: Attribute, lines: list[int] | None
) -> pa.ChunkedArray:
    column = nominal_column(tokens, attribute.categories)
    undeclared = pc.and_(pc.is_valid(tokens), pc.is_null(column))
    if pc.any(undeclared).as_py():
        index = pc.index(undeclared, True).as_py()
        value = tokens[index].as_py()
        problem = "is not among the declared nominal values"
        raise _bad_value(value, attribute, lines, index, problem)
    if attribute.categories == _BOOL_CATEGORIES:
        return pc.equal(tokens, "True")
    return column


def _dates(
    tokens: pa.ChunkedArray, attribute: Attribute, lines: list[int] | None
) -> pa.ChunkedArray:
    java = attribute.date_format
    has_time = any(part in java for part in ("H", "m", "s"))
    if "S" in java:
        # strptime has no fraction-of-second field; such formats are ISO-like in practice.
        parsed = _cast_or_fail(tokens, pa.timestamp("ms"), attribute, lines, "is not a date")
    else:
        fmt = java
        for java_part, c_part in _JAVA_DATE:
            fmt = fmt.replace(java_part, c_part)
        try:
            parsed = pc.strptime(tokens, format=fmt, unit="s")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            first = _first_unparsable(tokens, fmt)
            raise _bad_value(
                tokens[first].as_py(), attribute, lines, first, f"does not match {java!r}"
            ) from None
    return parsed if has_time else parsed.cast(pa.date32())


def _first_unparsable(tokens: pa.ChunkedArray, fmt: str) -> int:
    parsed = pc.strptime(tokens, format=fmt, unit="s", error_is_null=True)
    return int(pc.index(pc.and_(pc.is_valid(tokens), pc.is_null(parsed)), True).as_py())


def write_arff(
    table: pa.Table,
    sink: str | os.PathLike[str] | BinaryIO,
    relation: str,
    description: str | None = None,
    *,
    dates: Literal["date", "string"] = "date",
    sparse: bool = False,
) -> None:
    """Write a table as UTF-8 ARFF, streaming record batches; the same table gives the same bytes.

    Args:
        table: the data; it is brought into canonical form first.
        sink: a path or a binary file object.
        relation: the ``@RELATION`` name (the dataset's name).
        description: written as ``%`` comment lines above ``@RELATION``.
        dates: ``"date"`` declares ``DATE`` attributes (Weka); ``"string"`` writes dates as ISO
            text in ``STRING`` attributes, which liac-arff can read.

    Raises:
        FormatError: when the table cannot be a dataset (see :func:`normalize_table`).
    """
    table = normalize_table(table)
    layouts = [_layout(table.column(i), dates) for i in range(table.num_columns)]
    with open_sink(sink) as out:
        out.write(_header_text(table.column_names, layouts, relation, description).encode())
        for batch in table.to_batches(max_chunksize=_WRITE_BATCH_ROWS):
            tokens = [
                _tokens(column, layout)
                for column, layout in zip(batch.columns, layouts, strict=True)
            ]
            if sparse:
                lines = _sparse_lines(batch, layouts, tokens)
            elif len(tokens) > 1:
                lines = pc.binary_join_element_wise(*tokens, ",")
            else:
                lines = tokens[0]
            out.write(_buffer_bytes(pc.binary_join_element_wise(lines, "", "\n")))


@dataclass(frozen=True)
class _Layout:
    declaration: str
    kind: Literal["bool", "nominal", "number", "string", "date"]
    unit: str = "s"
    strftime: str = ""


def _layout(column: pa.ChunkedArray, dates: str) -> _Layout:
    dtype = column.type
    if pat.is_boolean(dtype):
        return _Layout("{False,True}", "bool")
    if pat.is_dictionary(dtype):
        labels = [] if column.num_chunks == 0 else column.chunk(0).dictionary.to_pylist()
        return _Layout("{" + ",".join(_quote(label) for label in labels) + "}", "nominal")
    if pat.is_integer(dtype):
        return _Layout("INTEGER", "number")
    if pat.is_floating(dtype):
        return _Layout("REAL", "number")
    if pat.is_date(dtype):
        return _date_layout("yyyy-MM-dd", "%Y-%m-%d", "s", dates)
    if pat.is_timestamp(dtype):
        fractions = pc.subsecond(column.cast(pa.timestamp(dtype.unit)))
        if not pc.any(pc.not_equal(fractions, 0.0)).as_py():
            return _date_layout(_DEFAULT_DATE, "%Y-%m-%dT%H:%M:%S", "s", dates)
        return _date_layout(_DEFAULT_DATE + ".SSS", "%Y-%m-%dT%H:%M:%S", "ms", dates)
    return _Layout("STRING", "string")


def _date_layout(java: str, strftime: str, unit: str, dates: str) -> _Layout:
    declaration = "STRING" if dates == "string" else f'DATE "{java}"'
    return _Layout(declaration, "date", unit, strftime)


def _header_text(
    names: Sequence[str], layouts: Sequence[_Layout], relation: str, description: str | None
) -> str:
    lines = [f"% {line}".rstrip() for line in (description or "").splitlines()]
    lines += [f"@RELATION {_quote(relation)}", ""]
    lines += [
        f"@ATTRIBUTE {_quote(name)} {layout.declaration}"
        for name, layout in zip(names, layouts, strict=True)
    ]
    lines += ["", "@DATA", ""]
    return "\n".join(lines)


def _quote(text: str) -> str:
    """Quote a name or label the way the vectorised value quoting does."""
    if text and text != "?" and not _NEEDS_QUOTES.search(text):
        return text
    escaped = re.sub(r"([\\'\"%])", r"\\\1", text)
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    escaped = escaped.replace("\b", "\\b").replace("\f", "\\f")
    escaped = _CONTROL.sub(lambda m: f"\\{ord(m.group()):03o}", escaped)
    return f"'{escaped}'"


def _tokens(column: pa.Array, layout: _Layout) -> pa.Array:
    """The ARFF text of every value of a column, ``?`` for missing values."""
    if layout.kind == "bool":
        text = pc.if_else(column, "True", "False")
    elif layout.kind == "nominal":
        labels = pa.array([_quote(v) for v in column.dictionary.to_pylist()], pa.string())
        text = labels.take(column.indices)
    elif layout.kind == "number":
        text = column.cast(pa.string())
    elif layout.kind == "date":
        # ARFF dates stop at milliseconds: finer digits are cut off (the Parquet file keeps them).
        moments = column.cast(pa.timestamp(layout.unit), safe=False)
        text = pc.strftime(moments, format=layout.strftime)
    else:
        text = _quote_strings(column.cast(pa.string()))
    return text.fill_null("?")


def _quote_strings(text: pa.Array) -> pa.Array:
    escaped = pc.replace_substring_regex(text, r"([\\'\"%])", r"\\\1")
    for char, escape in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"), ("\f", "\\f")):
        escaped = pc.replace_substring(escaped, char, escape)
    if pc.any(pc.match_substring_regex(escaped, r"[\x00-\x1f]")).as_py():
        for char in _OTHER_CONTROL:
            escaped = pc.replace_substring(escaped, char, f"\\{ord(char):03o}")
    quoted = pc.binary_join_element_wise("'", escaped, "'", "")
    return pc.if_else(pc.match_substring_regex(text, _NEEDS_QUOTES_RE2), quoted, text)


def _sparse_lines(
    batch: pa.RecordBatch, layouts: Sequence[_Layout], tokens: list[pa.Array]
) -> pa.Array:
    """``{i v,...}`` per row: each column's token after its index, unless it is the value a
    sparse reader fills in for a column left out (missing values stay, as ``?``)."""
    entries = []
    for index, (column, layout, text) in enumerate(
        zip(batch.columns, layouts, tokens, strict=True)
    ):
        kept = pc.or_kleene(pc.is_null(column), pc.invert(_implied(column, layout)))
        entry = pc.binary_join_element_wise(pa.scalar(f",{index}"), text, " ")
        # "" rather than null for a value left out: joining with nulls skipped drops the rows
        # where every value is null (pyarrow 26), which would lose the rows of implied values.
        entries.append(pc.if_else(kept, entry, pa.scalar("", pa.string())))
    joined = pc.binary_join_element_wise(*entries, "") if len(entries) > 1 else entries[0]
    inner = pc.utf8_slice_codeunits(joined, 1)  # without the first entry's comma
    return pc.binary_join_element_wise("{", inner, "}", "")


def _implied(column: pa.Array, layout: _Layout) -> pa.Array:
    """Where a value equals what a sparse reader assumes for a column it does not see."""
    if layout.kind == "bool":
        return pc.invert(column)  # False is the first declared value
    if layout.kind == "nominal":
        return pc.equal(column.indices, 0)
    if layout.kind == "number":
        return pc.equal(column, 0)
    if layout.kind == "string":
        return pc.equal(column.cast(pa.string()), "")
    return pa.array([False] * len(column))


def _buffer_bytes(lines: pa.Array) -> memoryview | bytes:
    if len(lines) == 0:
        return b""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    start, end = int(offsets[lines.offset]), int(offsets[lines.offset + len(lines)])
    return memoryview(lines.buffers()[2])[start:end]
