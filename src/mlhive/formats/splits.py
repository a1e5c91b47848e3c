"""A task's train/test splits: the canonical Arrow table, OpenML's splits ARFF, and lookups.

The canonical splits table has one row per (repeat, fold, sample, row of the dataset) use:

- ``type``: ``dictionary<int32, string>`` with the dictionary exactly ``["TRAIN", "TEST"]``;
- ``rowid``: int64, the 0-based row index of the dataset;
- ``repeat``, ``fold``, ``sample``: int32, 0-based; ``sample`` is 0 except in learning curves;

sorted by repeat, fold, sample, type (``TRAIN`` before ``TEST``, as OpenML's files list them)
and rowid. The server stores it as Parquet and also serves OpenML's splits ARFF, which Weka
wrote for OpenML like this (``sample`` only for learning-curve tasks)::

    @relation iris_splits

    @attribute type {TRAIN,TEST}
    @attribute rowid numeric
    @attribute repeat numeric
    @attribute fold numeric

    @data
    TRAIN,16,0,0
    ...

Example:
    >>> table = read_splits("splits.parquet", "parquet")  # doctest: +SKIP
    >>> train, test = split_indices(table, repeat=0, fold=3)  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyarrow.types as pat

from mlhive.formats.arff import read_arff
from mlhive.formats.types import FormatError, open_sink

__all__ = [
    "SPLITS_SCHEMA",
    "SPLIT_TYPES",
    "canonical_splits",
    "iter_splits",
    "read_splits",
    "split_indices",
    "splits_shape",
    "write_splits_arff",
]

Source = str | os.PathLike[str] | BinaryIO
IntArray = npt.NDArray[np.int64]
SplitGroup = tuple[int, int, int, IntArray, IntArray]

SPLIT_TYPES: tuple[str, str] = ("TRAIN", "TEST")
SPLITS_SCHEMA = pa.schema(
    [
        pa.field("type", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("rowid", pa.int64(), nullable=False),
        pa.field("repeat", pa.int32(), nullable=False),
        pa.field("fold", pa.int32(), nullable=False),
        pa.field("sample", pa.int32(), nullable=False),
    ]
)
_COUNTERS = ("repeat", "fold", "sample")
_WRITE_BATCH_ROWS = 1 << 20
_NEEDS_QUOTES = re.compile(r"[\s'\"%,\\{}\x00-\x1f]")


def write_splits_arff(
    table: pa.Table,
    sink: str | os.PathLike[str] | BinaryIO,
    relation: str,
    *,
    samples: bool | None = None,
) -> None:
    """Write splits as OpenML's splits ARFF (lower-case keywords, ``numeric`` columns).

    Args:
        table: a splits table (brought into canonical form first).
        sink: a path or a binary file object.
        relation: the ``@relation`` name; OpenML uses ``<dataset name>_splits``.
        samples: write the ``sample`` attribute (learning-curve tasks). ``None`` writes it when
            some sample number is above 0; pass ``True`` for a learning curve whose folds are
            too small to have more than one sample.

    Raises:
        FormatError: when the table is not a valid splits table.
    """
    table = canonical_splits(table)
    if samples is None:
        samples = table.num_rows > 0 and pc.max(table.column("sample")).as_py() > 0
    columns = ["type", "rowid", "repeat", "fold"] + (["sample"] if samples else [])
    header = [f"@relation {_quote(relation)}", ""]
    header += ["@attribute type {TRAIN,TEST}"]
    header += [f"@attribute {name} numeric" for name in columns[1:]]
    header += ["", "@data", ""]
    labels = pa.array(list(SPLIT_TYPES), pa.string())
    with open_sink(sink) as out:
        out.write("\n".join(header).encode())
        for batch in table.select(columns).to_batches(max_chunksize=_WRITE_BATCH_ROWS):
            kinds = batch.column(0)  # canonical_splits made it dictionary-encoded TRAIN/TEST
            tokens = [labels.take(kinds.indices)]
            tokens += [batch.column(i).cast(pa.string()) for i in range(1, len(columns))]
            lines = pc.binary_join_element_wise(*tokens, ",")
            out.write(_text_bytes(pc.binary_join_element_wise(lines, "", "\n")))


def read_splits(source: Source, fmt: Literal["parquet", "arff"]) -> pa.Table:
    """Read a task's splits from Parquet or OpenML's splits ARFF.

    Args:
        source: a path or a binary file object.
        fmt: ``"parquet"`` or ``"arff"``.

    Returns:
        The canonical splits table (see the module docstring); a missing ``sample`` column is 0.

    Raises:
        FormatError: ``malformed_file`` for unreadable bytes, missing columns, nulls, negative
            or fractional numbers or a type other than ``TRAIN``/``TEST``; ``empty_file`` when
            there are no rows; ``unsupported_format`` for another ``fmt``.
    """
    if fmt == "parquet":
        try:
            table = pq.read_table(source)
        except (pa.ArrowInvalid, OSError) as exc:
            raise FormatError("malformed_file", f"not a readable Parquet file: {exc}") from None
    elif fmt == "arff":
        table = read_arff(source)
    else:
        raise FormatError("unsupported_format", f"unknown splits format {fmt!r}")
    if table.num_rows == 0:
        raise FormatError("empty_file", "the splits file has no rows")
    return canonical_splits(table)


def canonical_splits(table: pa.Table) -> pa.Table:
    """Bring a splits table into canonical form: column types, order and row order.

    Args:
        table: columns ``type`` (``TRAIN``/``TEST`` as dictionary or string), ``rowid``,
            ``repeat``, ``fold`` and optionally ``sample`` (whole numbers, as integers or
            floats); other columns are dropped.

    Returns:
        The canonical table (unchanged values, sorted as the module docstring says).

    Raises:
        FormatError: ``malformed_file`` naming the column that is missing or wrong.
    """
    missing = [name for name in ("type", "rowid", *_COUNTERS[:2]) if name not in table.schema.names]
    if missing:
        raise FormatError("malformed_file", f"splits lack the column(s) {', '.join(missing)}")
    is_test = _test_mask(table.column("type"))
    numbers = {name: _whole_numbers(table, name) for name in ("rowid", *_COUNTERS)}
    order = _sort_order(numbers, is_test)
    codes = is_test.astype(np.int32)
    if order is not None:
        codes = codes[order]
        numbers = {name: values[order] for name, values in numbers.items()}
    kinds = pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(list(SPLIT_TYPES)))
    arrays = [kinds, pa.array(numbers["rowid"], pa.int64())]
    arrays += [pa.array(numbers[name].astype(np.int32)) for name in _COUNTERS]
    return pa.Table.from_arrays(arrays, schema=SPLITS_SCHEMA)


def split_indices(
    table: pa.Table, repeat: int = 0, fold: int = 0, sample: int = 0
) -> tuple[IntArray, IntArray]:
    """The train and test row ids of one split.

    Args:
        table: a splits table.
        repeat: the repeat, 0-based.
        fold: the fold, 0-based.
        sample: the learning-curve sample, 0-based (0 for other tasks).

    Returns:
        ``(train, test)``: int64 arrays of 0-based dataset rows, in table order (ascending for
        a canonical table).

    Raises:
        ValueError: naming the repeat, fold or sample the table does not have.
        FormatError: when the table is not a splits table.
    """
    wanted = {"repeat": repeat, "fold": fold, "sample": sample}
    numbers = {name: _whole_numbers(table, name) for name in _COUNTERS}
    keep = np.ones(table.num_rows, dtype=bool)
    for name in _COUNTERS:
        keep &= numbers[name] == wanted[name]
    if not keep.any():
        bad = [
            f"{name} {wanted[name]}"
            for name in _COUNTERS
            if not (numbers[name] == wanted[name]).any()
        ]
        problem = ", ".join(bad) if bad else f"repeat {repeat}, fold {fold}, sample {sample}"
        shape = dict(zip(_COUNTERS, splits_shape(table), strict=True))
        have = ", ".join(f"{name}s 0-{count - 1}" for name, count in shape.items())
        raise ValueError(f"the splits have no {problem} (they have {have})")
    rowids = _whole_numbers(table, "rowid")[keep]
    is_test = _test_mask(table.column("type"))[keep]
    return rowids[~is_test], rowids[is_test]


def iter_splits(table: pa.Table) -> Iterator[SplitGroup]:
    """Every split of a table, in (repeat, fold, sample) order.

    Args:
        table: a splits table.

    Yields:
        ``(repeat, fold, sample, train, test)`` with int64 arrays of 0-based dataset rows.

    Raises:
        FormatError: when the table is not a splits table.
    """
    numbers = {name: _whole_numbers(table, name) for name in ("rowid", *_COUNTERS)}
    is_test = _test_mask(table.column("type"))
    keys = [numbers[name] for name in _COUNTERS]
    if not _is_sorted(keys):
        order = np.lexsort(keys[::-1])
        keys = [key[order] for key in keys]
        numbers["rowid"], is_test = numbers["rowid"][order], is_test[order]
    changed = np.zeros(max(table.num_rows - 1, 0), dtype=bool)
    for key in keys:
        changed |= key[1:] != key[:-1]
    bounds = [0, *(np.flatnonzero(changed) + 1).tolist(), table.num_rows]
    for start, end in itertools.pairwise(bounds):
        if start == end:
            continue
        rows, test = numbers["rowid"][start:end], is_test[start:end]
        yield int(keys[0][start]), int(keys[1][start]), int(keys[2][start]), rows[~test], rows[test]


def splits_shape(table: pa.Table) -> tuple[int, int, int]:
    """How many repeats, folds and samples a splits table has (largest number + 1 each).

    Args:
        table: a splits table.

    Returns:
        ``(repeats, folds, samples)``; ``(0, 0, 0)`` for an empty table.
    """
    if table.num_rows == 0:
        return 0, 0, 0
    counts = [int(_whole_numbers(table, name).max()) + 1 for name in _COUNTERS]
    return counts[0], counts[1], counts[2]


def _test_mask(column: pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    """True where a row is a test row; every value must be TRAIN or TEST."""
    if pat.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pat.is_string(column.type) or pat.is_large_string(column.type)):
        raise FormatError("malformed_file", f"split type must be TRAIN or TEST, not {column.type}")
    allowed = pc.is_in(column, value_set=pa.array(list(SPLIT_TYPES)))
    if column.null_count or not pc.all(allowed).as_py():
        bad = pc.filter(column, pc.invert(pc.fill_null(allowed, False)))
        example = bad[0].as_py() if len(bad) else None
        raise FormatError("malformed_file", f"split type must be TRAIN or TEST, not {example!r}")
    mask: npt.NDArray[np.bool_] = pc.equal(column, "TEST").to_numpy()
    return mask


def _whole_numbers(table: pa.Table, name: str) -> IntArray:
    """A column as int64; ``sample`` may be absent (all 0). Non-negative whole numbers only."""
    if name not in table.schema.names:
        if name == "sample":
            return np.zeros(table.num_rows, dtype=np.int64)
        raise FormatError("malformed_file", f"splits lack the column {name}")
    column = table.column(name)
    if not (pat.is_integer(column.type) or pat.is_floating(column.type)):
        raise FormatError(
            "malformed_file", f"split column {name} must be numbers, not {column.type}"
        )
    if column.null_count:
        raise FormatError("malformed_file", f"split column {name} has missing values")
    values: npt.NDArray[Any] = column.to_numpy()
    numbers: IntArray = values.astype(np.int64)
    if values.dtype.kind == "f" and not np.array_equal(numbers, values):
        raise FormatError("malformed_file", f"split column {name} has fractional numbers")
    if numbers.size and numbers.min() < 0:
        raise FormatError("malformed_file", f"split column {name} has negative numbers")
    if name != "rowid" and numbers.size and numbers.max() > np.iinfo(np.int32).max:
        raise FormatError("malformed_file", f"split column {name} has numbers too large")
    return numbers


def _sort_order(
    numbers: dict[str, IntArray], is_test: npt.NDArray[np.bool_]
) -> npt.NDArray[np.intp] | None:
    """The canonical row order, or None when the rows are in it already."""
    test_key: IntArray = is_test.astype(np.int64)
    keys = [numbers["repeat"], numbers["fold"], numbers["sample"], test_key, numbers["rowid"]]
    if _is_sorted(keys):
        return None
    return np.lexsort(keys[::-1])


def _is_sorted(keys: list[IntArray]) -> bool:
    """Whether rows are in ascending lexicographic order of the keys (first key first)."""
    tied = np.ones(max(len(keys[0]) - 1, 0), dtype=bool)
    for key in keys:
        step = key[1:].astype(np.int64) - key[:-1]
        if (tied & (step < 0)).any():
            return False
        tied &= step == 0
    return True


def _quote(name: str) -> str:
    if name and not _NEEDS_QUOTES.search(name):
        return name
    return "'" + re.sub(r"([\\'])", r"\\\1", name).replace("\n", "\\n") + "'"


def _text_bytes(lines: pa.Array) -> memoryview | bytes:
    """The UTF-8 bytes of a string array's values, back to back, without copying."""
    if len(lines) == 0:
        return b""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    start, end = int(offsets[lines.offset]), int(offsets[lines.offset + len(lines)])
    return memoryview(lines.buffers()[2])[start:end]
