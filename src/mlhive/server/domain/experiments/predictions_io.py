"""Reading run predictions: Parquet as uploaded, or OpenML's predictions ARFF, into the
canonical predictions table that :mod:`mlhive.server.domain.experiments.predictions` validates."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import BinaryIO, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from mlhive.formats.tables import read_table
from mlhive.formats.types import FormatError
from mlhive.server.domain.errors import InvalidInput
from mlhive.wire.errors import ErrorCode

CONFIDENCE_PREFIX = "confidence."
ID_COLUMNS: Mapping[str, pa.DataType] = MappingProxyType(
    {"repeat": pa.int32(), "fold": pa.int32(), "sample": pa.int32(), "row_id": pa.int64()}
)
"""The integer key columns of a predictions table and their canonical types (read-only)."""
_FIELD = "predictions"
Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def read_predictions(
    source: BinaryIO | str | os.PathLike[str], fmt: Literal["parquet", "arff"]
) -> pa.Table:
    """Read a predictions file (Parquet, or OpenML's predictions ARFF) into the canonical table.

    ARFF files as OpenML and openml-python write them are understood: numeric ``repeat``,
    ``fold``, ``sample`` and ``row_id``; ``confidence.<label>`` numeric columns; ``prediction``
    nominal (classification) or numeric (regression), or ``cluster`` (clustering). The
    uploader's ``correct`` / ``truth`` columns, and any other column, are dropped: the server
    knows the truth. A missing ``sample`` column becomes zeros.

    Args:
        source: a path or a binary file object.
        fmt: ``"parquet"`` or ``"arff"``.

    Returns:
        The canonical predictions table (see the module docstring).

    Raises:
        InvalidInput: code ``malformed_file`` (or ``empty_file``, ``duplicate_columns``,
            ``unsupported_format``) for a file that cannot be read, lacks a required column, or
            has ids that are not whole numbers or confidences that are not numbers.
    """
    try:
        table = read_table(source, fmt, as_written=True)  # labels "0", "1" stay labels
    except FormatError as exc:
        raise InvalidInput(str(exc), code=ErrorCode(exc.code), field=_FIELD) from None
    if "prediction" not in table.column_names and "cluster" in table.column_names:
        table = table.rename_columns(
            ["prediction" if name == "cluster" else name for name in table.column_names]
        )
    return _canonical(table)


def _canonical(table: pa.Table) -> pa.Table:
    required = ["repeat", "fold", "row_id", "prediction"]
    absent = [name for name in required if name not in table.column_names]
    if absent:
        raise _malformed(
            f"the predictions file has no column {', '.join(map(repr, absent))} (OpenML's "
            "columns: repeat, fold, [sample,] row_id, [confidence.<class>...,] prediction)"
        )
    n = table.num_rows
    columns: dict[str, pa.Array | np.ndarray] = {}
    for name, dtype in ID_COLUMNS.items():
        if name == "sample" and name not in table.column_names:
            columns[name] = np.zeros(n, dtype=np.int32)
            continue
        values = integer_column(table, name, ErrorCode.MALFORMED_FILE, where="file row")
        columns[name] = values.astype(dtype.to_pandas_dtype(), copy=False)
    columns["prediction"] = _canonical_prediction(table.column("prediction"))
    for name in table.column_names:
        if name.startswith(CONFIDENCE_PREFIX):
            columns[name] = _float_column(table.column(name), name)
    return pa.table(columns)


def _canonical_prediction(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pat.is_dictionary(column.type) or pat.is_large_string(column.type):
        return column.cast(pa.string())
    if pat.is_integer(column.type):
        return column.cast(pa.int64())
    if pat.is_floating(column.type) or pat.is_decimal(column.type):
        return column.cast(pa.float64())
    return column


def _float_column(column: pa.ChunkedArray, name: str) -> pa.ChunkedArray:
    if not is_number(column.type):
        raise _malformed(f"column {name!r} must hold numbers (probabilities), got {column.type}")
    return column.cast(pa.float64())


def _malformed(message: str) -> InvalidInput:
    return InvalidInput(message, code=ErrorCode.MALFORMED_FILE, field=_FIELD)


def integer_column(table: pa.Table, name: str, code: ErrorCode, where: str) -> Int64Array:
    """A key column as int64; every value must be a whole number its canonical type holds
    (a repeat of 2**32 must not wrap round to repeat 0)."""
    column = table.column(name)
    if not is_number(column.type):
        raise InvalidInput(
            f"column {name!r} must hold integers, got {column.type}", code=code, field=_FIELD
        )
    bounds = np.iinfo(ID_COLUMNS.get(name, pa.int64()).to_pandas_dtype())
    if pat.is_integer(column.type) and not column.null_count and _within(column, bounds):
        return ints(column)
    values = floats(column)
    with np.errstate(invalid="ignore"):
        outside = (values < bounds.min) | (values >= float(bounds.max) + 1)
    bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values)) | outside)
    if len(bad):
        raise InvalidInput(
            f"column {name!r} must hold whole numbers: {len(bad)} values are missing, not "
            f"whole or beyond {bounds.max} (first: {where} {bad[0]} is {shown(values[bad[0]])})",
            code=code,
            field=_FIELD,
        )
    return values.astype(np.int64)


def _within(column: pa.ChunkedArray, bounds: np.iinfo) -> bool:
    extremes = pc.min_max(column)
    low, high = extremes["min"].as_py(), extremes["max"].as_py()
    return low is None or (bounds.min <= low and high <= bounds.max)


def is_number(dtype: pa.DataType) -> bool:
    return bool(pat.is_integer(dtype) or pat.is_floating(dtype))


def floats(column: pa.ChunkedArray) -> FloatArray:
    """The column as float64, nulls as NaN."""
    values: FloatArray = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return values


def ints(column: pa.ChunkedArray) -> Int64Array:
    values: Int64Array = column.cast(pa.int64()).to_numpy()
    return values


def shown(value: float) -> str:
    return "missing" if np.isnan(value) else f"{value:g}"
