"""Reading an uploaded data file: its format, its width, the type overrides, the reader's notes.

Bad files become :class:`~mlhive.server.domain.errors.InvalidInput` naming the problem (and the
line, where the format has lines); nothing is stored here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import pyarrow as pa

from mlhive.formats.inference import Overrides
from mlhive.formats.tables import FormatError, TableFormat, detect_format, read_table_noted
from mlhive.formats.width import count_columns
from mlhive.server.domain.datasets.shape import check_width
from mlhive.server.domain.errors import InvalidInput
from mlhive.wire.datasets import DatasetCreate
from mlhive.wire.errors import ErrorCode

# Upload fields that shape how the data is read, not stored as metadata.
READING_FIELDS = (
    "nominal_attributes",
    "string_attributes",
    "numeric_attributes",
    "date_attributes",
    "missing_values",
)


class Read(NamedTuple):
    """An upload read into its canonical table, with the reader's notes per column."""

    table: pa.Table
    notes: dict[str, Any]


def read_upload(
    source: BinaryIO | Path,
    filename: str | None,
    meta: DatasetCreate,
    max_columns: int | None = None,
) -> Read:
    """Parse an uploaded file into the canonical table; bad files become InvalidInput.

    A file whose header declares more than ``max_columns`` columns is refused before its data
    is parsed (a million-column header takes seconds to read, minutes to parse).
    """
    try:
        fmt = detect_format(filename, meta.format)
        if max_columns is not None:
            declared = count_columns(source, fmt, up_to=max_columns + 1)
            if declared is not None:
                check_width(declared, max_columns=max_columns, at_least=declared > max_columns)
    except FormatError as exc:
        raise InvalidInput(str(exc), code=ErrorCode(exc.code), line=exc.line) from exc
    return read_data(source, fmt, overrides_of(meta.model_dump()))


def overrides_of(fields: dict[str, Any]) -> Overrides:
    """The type overrides of upload metadata (or of a job payload holding the same fields)."""
    return Overrides(
        nominal=tuple(fields.get("nominal_attributes") or ()),
        string=tuple(fields.get("string_attributes") or ()),
        numeric=tuple(fields.get("numeric_attributes") or ()),
        date=tuple(fields.get("date_attributes") or ()),
        missing=tuple(fields.get("missing_values") or ()),
    )


def read_data(source: BinaryIO | Path, fmt: TableFormat, overrides: Overrides) -> Read:
    """Parse a data file of a known format; bad or empty files become InvalidInput."""
    try:
        table, notes = read_table_noted(source, fmt, overrides)
    except FormatError as exc:
        raise InvalidInput(str(exc), code=ErrorCode(exc.code), line=exc.line) from exc
    if table.num_rows == 0:
        raise InvalidInput("the file holds no data rows", code=ErrorCode.EMPTY_FILE)
    return Read(table, {name: note.to_json() for name, note in notes.items()})
