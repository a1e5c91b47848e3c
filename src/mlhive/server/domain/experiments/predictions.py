"""A run's predictions: read them from a file and check them against the task's splits.

The canonical predictions table (see :mod:`mlhive.wire.runs`) has the columns ``repeat``,
``fold``, ``sample`` (int32; ``sample`` is 0 unless the task is a learning curve), ``row_id``
(int64, the 0-based dataset row), ``prediction`` (a string class label for classification,
float64 for regression, int64 or integral float64 for clustering) and, for classification, one
float64 ``confidence.<class label>`` column per class.

:func:`validate_predictions` checks that the predictions cover every test row of every
(repeat, fold, sample) of the task exactly once and hold sensible values, and returns them as
numpy arrays sorted like the splits' test rows, ready for
:mod:`mlhive.server.domain.experiments.metrics`.
Everything is vectorised: a million rows validate in a fraction of a second.

Classification confidences must lie in [0, 1] and sum to 1 within ``1e-3`` per row; the rows
are then divided by their sums, so that the probabilities sum to 1 up to rounding, as
scikit-learn's probabilistic measures expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments.predictions_io import (
    CONFIDENCE_PREFIX,
    ID_COLUMNS,
    FloatArray,
    Int64Array,
    floats,
    integer_column,
    ints,
    is_number,
    read_predictions,
    shown,
)
from mlhive.wire.errors import ErrorCode

__all__ = [
    "CLASSIFICATION_TASK_TYPES",
    "CONFIDENCE_PREFIX",
    "SUM_TOLERANCE",
    "TASK_TYPES",
    "ValidPredictions",
    "read_predictions",
    "validate_predictions",
]

TASK_TYPES = frozenset(
    {"supervised_classification", "supervised_regression", "learning_curve", "clustering"}
)
CLASSIFICATION_TASK_TYPES = frozenset({"supervised_classification", "learning_curve"})
SUM_TOLERANCE = 1e-3
"""How far a row's confidences may sum away from 1 before the predictions are rejected."""

_FIELD = "predictions"

Int32Array = npt.NDArray[np.int32]


@dataclass(frozen=True, eq=False)
class ValidPredictions:
    """Predictions that passed :func:`validate_predictions`, one entry per test row.

    All arrays have one entry per test row of the splits, sorted by repeat, fold, sample and
    row id, so that each (repeat, fold, sample) is a contiguous block.

    Attributes:
        task_type: the task's type.
        repeat, fold, sample: int32 arrays.
        row_id: int64 array of 0-based dataset rows.
        labels: class indices into ``class_labels`` (classification) or cluster labels
            (clustering), int64; ``None`` for regression.
        probabilities: float64 matrix (rows x classes, columns in ``class_labels`` order, each
            row summing to 1) for classification, else ``None``.
        values: float64 predicted values for regression, else ``None``.
        class_labels: the task's classes for classification, else ``None``.
    """

    task_type: str
    repeat: Int32Array
    fold: Int32Array
    sample: Int32Array
    row_id: Int64Array
    labels: Int64Array | None
    probabilities: FloatArray | None
    values: FloatArray | None
    class_labels: tuple[str, ...] | None

    def __len__(self) -> int:
        return len(self.row_id)

    def blocks(self) -> list[tuple[int, int, int, slice]]:
        """Return ``(repeat, fold, sample, rows)`` for each contiguous (repeat, fold, sample)."""
        n = len(self.row_id)
        if n == 0:
            return []
        changed = (
            (np.diff(self.repeat) != 0) | (np.diff(self.fold) != 0) | (np.diff(self.sample) != 0)
        )
        starts = np.concatenate(([0], np.flatnonzero(changed) + 1))
        stops = np.concatenate((starts[1:], [n]))
        return [
            (int(self.repeat[a]), int(self.fold[a]), int(self.sample[a]), slice(int(a), int(b)))
            for a, b in zip(starts, stops, strict=True)
        ]


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code=ErrorCode.INVALID_INPUT, field=_FIELD)


def validate_predictions(
    predictions: pa.Table,
    splits: pa.Table,
    *,
    task_type: str,
    class_labels: Sequence[str] | None,
    number_of_rows: int | None = None,
) -> ValidPredictions:
    """Check a run's predictions against its task and return them as aligned arrays.

    Args:
        predictions: the predictions table (canonical, or as read from Parquet).
        splits: the task's splits (``type``, ``rowid``, ``repeat``, ``fold``, ``sample``).
        task_type: ``supervised_classification``, ``supervised_regression``,
            ``learning_curve`` or ``clustering``.
        class_labels: the task's classes, in order (classification and learning curves).
        number_of_rows: the dataset's row count; defaults to the largest row id in the
            splits plus one.

    Returns:
        The predictions, one per test row, sorted by repeat, fold, sample and row id.

    Raises:
        InvalidInput: code ``invalid_input`` with ``field="predictions"`` and a message naming
            the first problem found and an example row: a missing column or one of the wrong
            type, missing values, a repeat/fold/sample the task does not have, a row id out of
            range, a row predicted twice or outside the test set, test rows without a
            prediction, an unknown class label, missing or invalid confidences, non-finite
            regression predictions or non-integer cluster labels.
        ValueError: for an unknown task type, or a classification task without class labels.
    """
    if task_type not in TASK_TYPES:
        raise ValueError(f"unknown task type {task_type!r}")
    classification = task_type in CLASSIFICATION_TASK_TYPES
    if classification and not class_labels:
        raise ValueError("a classification task needs its class labels")
    _check_columns(predictions, classification)
    ids = {
        name: integer_column(predictions, name, ErrorCode.INVALID_INPUT, where="table row")
        for name in ID_COLUMNS
        if name in predictions.column_names
    }
    if "sample" not in ids:
        ids["sample"] = np.zeros(predictions.num_rows, dtype=np.int64)
    test, implied_rows = _test_rows(splits)
    n_rows = number_of_rows if number_of_rows is not None else implied_rows
    _check_ids_exist(ids, test, n_rows)
    learning_curve = task_type == "learning_curve" or bool(np.any(test["sample"] > 0))
    where = _check_coverage(ids, test, n_rows, learning_curve)
    labels, probabilities, values = _values(
        predictions, where, task_type, tuple(class_labels or ())
    )
    return ValidPredictions(
        task_type=task_type,
        repeat=ids["repeat"][where.order].astype(np.int32),
        fold=ids["fold"][where.order].astype(np.int32),
        sample=ids["sample"][where.order].astype(np.int32),
        row_id=ids["row_id"][where.order],
        labels=labels,
        probabilities=probabilities,
        values=values,
        class_labels=tuple(class_labels) if classification and class_labels else None,
    )


def _check_columns(predictions: pa.Table, classification: bool) -> None:
    required = ["repeat", "fold", "row_id", "prediction"]
    absent = [name for name in required if name not in predictions.column_names]
    if absent:
        raise _invalid(
            f"the predictions have no column {', '.join(map(repr, absent))} "
            f"(required: {', '.join(required)}"
            + (", and confidence.<class> for every class)" if classification else ")")
        )


def _values(
    predictions: pa.Table,
    where: _Where,
    task_type: str,
    class_labels: tuple[str, ...],
) -> tuple[Int64Array | None, FloatArray | None, FloatArray | None]:
    column = predictions.column("prediction")
    if task_type in CLASSIFICATION_TASK_TYPES:
        labels = _class_indices(column, class_labels, where)
        return labels, _probabilities(predictions, class_labels, where), None
    values = _numbers(column, where, task_type)
    if task_type == "clustering":
        return values.astype(np.int64), None, None
    return None, None, values


def _class_indices(
    column: pa.ChunkedArray, class_labels: tuple[str, ...], where: _Where
) -> Int64Array:
    if pat.is_dictionary(column.type) and pat.is_string(column.type.value_type):
        column = column.cast(pa.string())
    if not (pat.is_string(column.type) or pat.is_large_string(column.type)):
        raise _invalid(
            f"column 'prediction' must hold class labels as text, got {column.type} "
            f"(task classes: {', '.join(class_labels)})"
        )
    if column.null_count:
        missing = np.flatnonzero(_nulls(column)[where.order])
        raise _invalid(f"{len(missing)} predictions are missing ({where.first(missing)})")
    found = pc.index_in(column, value_set=pa.array(class_labels, pa.string()))
    if found.null_count:
        unknown = np.flatnonzero(_nulls(found)[where.order])
        label = column.take(pa.array(where.order[unknown[:1]]))[0].as_py()
        raise _invalid(
            f"unknown class label {label!r} ({len(unknown)} rows, {where.first(unknown)}; "
            f"task classes: {', '.join(class_labels)})"
        )
    indices: Int64Array = found.to_numpy().astype(np.int64)[where.order]
    return indices


def _nulls(column: pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    mask: npt.NDArray[np.bool_] = pc.is_null(column).to_numpy()
    return mask


def _probabilities(
    predictions: pa.Table, class_labels: tuple[str, ...], where: _Where
) -> FloatArray:
    names = [f"{CONFIDENCE_PREFIX}{label}" for label in class_labels]
    missing = [
        label
        for label, name in zip(class_labels, names, strict=True)
        if name not in predictions.column_names
    ]
    if missing:
        raise _invalid(
            f"confidence columns missing for classes: {', '.join(missing)} (OpenML requires a "
            "confidence.<class> column with the predicted probability of every class)"
        )
    extra = [
        name[len(CONFIDENCE_PREFIX) :]
        for name in predictions.column_names
        if name.startswith(CONFIDENCE_PREFIX) and name not in names
    ]
    if extra:
        raise _invalid(
            f"confidence columns for unknown classes: {', '.join(extra)} "
            f"(task classes: {', '.join(class_labels)})"
        )
    matrix = np.empty((len(where.order), len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        matrix[:, j] = _confidences(predictions.column(name), name, where)
    sums = matrix.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1.0) > SUM_TOLERANCE)
    if len(off):
        raise _invalid(
            f"probabilities of {len(off)} rows do not sum to 1 ({where.first(off)} sums to "
            f"{sums[off[0]]:.6g}; tolerance {SUM_TOLERANCE:g})"
        )
    matrix /= sums[:, None]
    return matrix


def _confidences(column: pa.ChunkedArray, name: str, where: _Where) -> FloatArray:
    if not is_number(column.type):
        raise _invalid(f"column {name!r} must hold numbers (probabilities), got {column.type}")
    values = floats(column)[where.order]
    bad = np.flatnonzero(np.isnan(values))
    if len(bad):
        raise _invalid(f"{name} is missing for {len(bad)} rows ({where.first(bad)})")
    bad = np.flatnonzero((values < 0.0) | (values > 1.0))
    if len(bad):
        raise _invalid(
            f"confidences must lie in [0, 1]: {name} is {values[bad[0]]:g} for "
            f"{where.example(bad[0])} ({len(bad)} values outside)"
        )
    return values


def _numbers(column: pa.ChunkedArray, where: _Where, task_type: str) -> FloatArray:
    clustering = task_type == "clustering"
    if not is_number(column.type):
        kind = "integer cluster labels" if clustering else "numbers for a regression task"
        raise _invalid(f"column 'prediction' must hold {kind}, got {column.type}")
    values = floats(column)[where.order]
    bad = ~np.isfinite(values) | ((values != np.round(values)) if clustering else False)
    rows = np.flatnonzero(bad)
    if len(rows):
        what = "cluster labels are missing or not integers" if clustering else "predictions "
        what += "" if clustering else "are missing or not finite numbers"
        raise _invalid(
            f"{len(rows)} {what} (first: {where.example(rows[0])} is {shown(values[rows[0]])})"
        )
    return values


def _block(repeat: object, fold: object, sample: object, learning_curve: bool) -> str:
    text = f"repeat {repeat}, fold {fold}"
    return f"{text}, sample {sample}" if learning_curve else text


@dataclass(frozen=True)
class _KeyShape:
    """Packs (repeat, fold, sample, row) into one int64 that sorts like the tuple."""

    folds: int
    samples: int
    rows: int
    learning_curve: bool

    def keys(self, ids: dict[str, Int64Array]) -> Int64Array:
        keys: Int64Array = (ids["repeat"] * self.folds + ids["fold"]) * self.samples
        return (keys + ids["sample"]) * self.rows + ids["row_id"]

    def describe(self, key: np.integer[Any]) -> tuple[int, str]:
        rest, row = divmod(int(key), self.rows)
        rest, sample = divmod(rest, self.samples)
        repeat, fold = divmod(rest, self.folds)
        return row, _block(repeat, fold, sample, self.learning_curve)


@dataclass(frozen=True, eq=False)
class _Where:
    """The sorted predictions' keys, to name a row in a message."""

    shape: _KeyShape
    keys: Int64Array
    order: Int64Array

    def example(self, i: np.integer[Any] | int) -> str:
        row, block = self.shape.describe(self.keys[i])
        return f"row {row} in {block}"

    def first(self, indices: Int64Array) -> str:
        return f"first: {self.example(indices[0])}"


def _test_rows(splits: pa.Table) -> tuple[dict[str, Int64Array], int]:
    """The test rows' ids, and the number of dataset rows the splits imply."""
    absent = {"type", "rowid", "repeat", "fold", "sample"} - set(splits.column_names)
    if absent:
        raise ValueError(f"the splits have no column {', '.join(sorted(absent))}")
    test = np.flatnonzero(_is_test(splits.column("type")))
    highest = pc.max(splits.column("rowid")).as_py()
    ids = {
        name: ints(splits.column(column))[test]
        for name, column in (("repeat",) * 2, ("fold",) * 2, ("sample",) * 2, ("row_id", "rowid"))
    }
    return ids, 0 if highest is None else int(highest) + 1


def _is_test(column: pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    if not pat.is_dictionary(column.type):
        mask: npt.NDArray[np.bool_] = pc.equal(column, "TEST").to_numpy(zero_copy_only=False)
        return mask
    # Comparing the dictionary codes avoids decoding millions of strings.
    parts = [np.zeros(0, dtype=np.bool_)]
    for chunk in column.chunks:
        categories = chunk.dictionary.to_pylist()
        code = categories.index("TEST") if "TEST" in categories else -1
        parts.append(chunk.indices.to_numpy(zero_copy_only=False) == code)
    return np.concatenate(parts)


def _check_ids_exist(ids: dict[str, Int64Array], test: dict[str, Int64Array], n_rows: int) -> None:
    for name in ("repeat", "fold", "sample"):
        present = np.bincount(test[name][test[name] >= 0], minlength=1) > 0
        values = ids[name]
        bad = (values < 0) | (values >= len(present))
        bad |= ~present[np.clip(values, 0, len(present) - 1)]
        if bad.any():
            value = values[np.flatnonzero(bad)[0]]
            raise _invalid(
                f"{name} {value} does not exist (the task has {_listing(name, present)})"
            )
    rows = ids["row_id"]
    bad_rows = np.flatnonzero((rows < 0) | (rows >= n_rows))
    if len(bad_rows):
        raise _invalid(
            f"row_id {rows[bad_rows[0]]} is out of range (0-{n_rows - 1}; "
            f"{len(bad_rows)} row ids outside)"
        )


def _listing(name: str, present: npt.NDArray[np.bool_]) -> str:
    values = np.flatnonzero(present)
    if len(values) <= 1:
        return f"{name} {values[0]}" if len(values) else f"no {name}s"
    if values[-1] - values[0] == len(values) - 1:
        return f"{name}s {values[0]}-{values[-1]}"
    return f"{name}s {', '.join(map(str, values))}"


def _check_coverage(
    ids: dict[str, Int64Array], test: dict[str, Int64Array], n_rows: int, learning_curve: bool
) -> _Where:
    """Check every test row is predicted once; return the predictions' sorted keys."""
    most = {name: int(test[name].max(initial=0)) + 1 for name in ("repeat", "fold", "sample")}
    if most["repeat"] * most["fold"] * most["sample"] * n_rows >= 2**62:
        raise ValueError("too many repeats, folds, samples and rows to index predictions")
    shape = _KeyShape(most["fold"], most["sample"], n_rows, learning_curve)
    keys = shape.keys(ids)
    order: Int64Array = np.argsort(keys)
    keys = keys[order]
    twice = np.flatnonzero(keys[1:] == keys[:-1])
    if len(twice):
        row, block = shape.describe(keys[twice[0]])
        raise _invalid(f"row {row} is predicted twice in {block} ({len(twice)} duplicates)")
    expected = shape.keys(test)
    if len(expected) and np.any(expected[1:] < expected[:-1]):
        expected.sort()
    positions = np.searchsorted(expected, keys)
    hit = positions < len(expected)
    hit[hit] = expected[positions[hit]] == keys[hit]
    outside = np.flatnonzero(~hit)
    if len(outside):
        row, block = shape.describe(keys[outside[0]])
        raise _invalid(
            f"row {row} is not a test row of {block} ({len(outside)} predictions are for rows "
            "outside the test sets)"
        )
    if len(keys) != len(expected):
        raise _invalid(_missing_message(expected, positions, shape, len(keys)))
    return _Where(shape, keys, order)


def _missing_message(
    expected: Int64Array, positions: Int64Array, shape: _KeyShape, got: int
) -> str:
    covered = np.zeros(len(expected), dtype=np.bool_)
    covered[positions] = True
    missing = expected[~covered]
    blocks = missing // shape.rows
    in_first = int(np.count_nonzero(blocks == blocks[0]))
    row, block = shape.describe(missing[0])
    rows = "test row has" if in_first == 1 else "test rows have"
    message = (
        f"expected {len(expected)} prediction rows, got {got}: {block}: {in_first} {rows} "
        f"no prediction (first: row {row})"
    )
    others = len(np.unique(blocks)) - 1
    return message + (f"; {others} more folds lack predictions" if others else "")
