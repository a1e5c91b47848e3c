"""Make a task's train/test splits once, from its estimation procedure and a recorded seed.

The result is the canonical splits table of :mod:`mlhive.formats.splits` (``type``, ``rowid``,
``repeat``, ``fold``, ``sample``, sorted). The same procedure, rows, labels and seed always give
the same table, byte for byte; work is vectorised per fold, never per row.

How each kind of procedure splits ``n`` rows:

- cross-validation: every row is in exactly one test fold per repeat; training rows are the
  rest. Classification procedures marked stratified use scikit-learn's ``StratifiedKFold`` on
  the labels (shuffled; repeat ``r`` draws from one ``RandomState(seed)``, as
  ``RepeatedStratifiedKFold`` does), else ``KFold``. Missing labels (``None``/``NaN``) are a
  stratum of their own. A class with fewer rows than folds is spread over as many folds as it
  has rows; when no class has as many rows as there are folds, the folds are not stratified.
- holdout: ``percentage`` is the test share (scikit-learn's ``StratifiedShuffleSplit``, or
  ``ShuffleSplit`` when not stratified or when a class has a single row). The ordered holdout
  (OpenML id 28) takes the last ``round(n * percentage / 100)`` rows, unshuffled, as the test
  set. (OpenML's generator puts row ``n - n * p / 100`` into training, so its test set can be
  one row smaller.)
- leave-one-out: fold ``i`` tests row ``i``. That is ``n * n`` split rows, so it is refused
  above :data:`LEAVE_ONE_OUT_MAX_ROWS` rows.
- custom holdout: the given ``test_row_ids`` are the test set of the only fold.
- test on training data (clustering): one fold whose training and test rows are all rows. The
  50 repeats of OpenML's clustering procedure would be 50 identical copies, so there is one.
- learning curve: cross-validation as above; within each fold the training rows get a random
  order (interleaved by class, so that each prefix keeps the class proportions to within about
  one row) and sample ``s`` trains on the first ``min(n_train, round(2 ** (6 + s / 2)))`` of
  them, up to the whole training fold, as OpenML's fold generator does. Each sample's training
  rows therefore contain the previous sample's; every sample is tested on the whole test fold.
  See :func:`learning_curve_sizes`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from sklearn.model_selection import KFold, ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit

from mlhive.formats.splits import SPLIT_TYPES, SPLITS_SCHEMA, iter_splits, splits_shape
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments.procedures import EstimationProcedure

__all__ = [
    "LEAVE_ONE_OUT_MAX_ROWS",
    "MAX_SPLIT_ROWS",
    "fold_shape",
    "iter_folds",
    "learning_curve_sizes",
    "make_splits",
]

IntArray = npt.NDArray[np.int64]
Part = tuple[int, int, int, IntArray, IntArray]

LEAVE_ONE_OUT_MAX_ROWS = 3_000
"""Leave-one-out writes ``n * n`` split rows: 9 million at this limit."""
MAX_SPLIT_ROWS = 50_000_000
"""The default limit on a task's split rows (about 1.2 GB while they are made)."""
_SEED_LIMIT = 2**32


def make_splits(
    procedure: EstimationProcedure,
    *,
    n_rows: int,
    labels: npt.NDArray[Any] | None,
    seed: int,
    test_row_ids: Sequence[int] | None = None,
    max_split_rows: int = MAX_SPLIT_ROWS,
    rows: npt.NDArray[np.int64] | None = None,
) -> pa.Table:
    """Split a dataset's rows the way an estimation procedure says.

    Args:
        procedure: the task's estimation procedure.
        n_rows: how many rows the dataset has.
        labels: the target column of a classification task (one value per row, ``None`` or
            ``NaN`` for missing); used to stratify when the procedure is stratified.
        seed: the task's recorded seed, ``0 <= seed < 2**32``.
        test_row_ids: the test rows (0-based) of a custom holdout; only for that procedure.
        max_split_rows: refuse procedures that would make more split rows than this.
        rows: split only these rows (0-based, increasing; e.g. those with a target value),
            as if they were the whole dataset; ``n_rows``, ``labels`` and ``test_row_ids``
            still speak of all rows. Default: every row.

    Returns:
        The canonical splits table.

    Raises:
        InvalidInput: bad seed, row count, labels or test rows; too few rows for the folds;
            more split rows than ``max_split_rows``; leave-one-out above
            :data:`LEAVE_ONE_OUT_MAX_ROWS` rows; custom folds (OpenML id 24).
    """
    _check_inputs(procedure, n_rows, labels, seed, test_row_ids)
    if rows is not None:
        return _split_subset(
            procedure, n_rows, rows, labels, seed, test_row_ids, max_split_rows=max_split_rows
        )
    expected = _expected_rows(procedure, n_rows)
    if expected > max_split_rows:
        raise InvalidInput(
            f"{procedure.name!r} on {n_rows} rows makes about {expected} split rows, more than"
            f" the limit of {max_split_rows}; choose a procedure with fewer repeats or folds"
        )
    strata = _strata(labels) if procedure.stratified and labels is not None else None
    kind = procedure.kind
    if kind == "crossvalidation" and procedure.learning_curve:
        parts = _learning_curve(procedure, n_rows, strata, seed)
    elif kind == "crossvalidation":
        parts = _cross_validation(procedure, n_rows, strata, seed)
    elif kind == "holdout" and procedure.ordered:
        parts = _ordered_holdout(procedure, n_rows)
    elif kind == "holdout":
        parts = _holdout(procedure, n_rows, strata, seed)
    elif kind == "leaveoneout":
        parts = _leave_one_out(n_rows)
    elif kind == "custom_holdout":
        parts = _custom_holdout(n_rows, test_row_ids or ())
    else:
        everything = np.arange(n_rows, dtype=np.int64)
        parts = iter([(0, 0, 0, everything, everything)])
    return _assemble(parts)


def _split_subset(
    procedure: EstimationProcedure,
    n_rows: int,
    rows: npt.NDArray[np.int64],
    labels: npt.NDArray[Any] | None,
    seed: int,
    test_row_ids: Sequence[int] | None,
    *,
    max_split_rows: int,
) -> pa.Table:
    """Split ``rows`` as a dataset of their own, then name them by their places in the whole."""
    if rows.size == 0:
        raise InvalidInput("no row has a target value, so there is nothing to split")
    positions = None
    if test_row_ids is not None:
        wanted = np.asarray(test_row_ids)
        if wanted.size and wanted.dtype.kind not in "iu":
            raise InvalidInput("test_row_ids must be whole numbers (0-based row indices)")
        outside = wanted[(wanted < 0) | (wanted >= n_rows)]
        if outside.size:
            raise InvalidInput(
                f"test_row_ids must be between 0 and {n_rows - 1}; {int(outside[0])} is not"
            )
        found = np.searchsorted(rows, wanted)
        found = np.minimum(found, rows.size - 1)
        unusable = wanted[rows[found] != wanted]
        if unusable.size:
            raise InvalidInput(
                f"test_row_ids: row {int(unusable[0])} has no target value, so it cannot be"
                f" tested on ({unusable.size} such rows given); leave those rows out"
            )
        positions = found.tolist()
    splits = make_splits(
        procedure,
        n_rows=int(rows.size),
        labels=None if labels is None else labels[rows],
        seed=seed,
        test_row_ids=positions,
        max_split_rows=max_split_rows,
    )
    index = splits.schema.get_field_index("rowid")
    mapped = pa.array(rows[splits.column(index).to_numpy()], pa.int64())
    return splits.set_column(index, splits.schema.field(index), mapped)


def learning_curve_sizes(n_train: int) -> tuple[int, ...]:
    """The training-set sizes of a learning curve's samples, as OpenML defines them.

    Sample ``s`` has ``min(n_train, round(2 ** (6 + 0.5 * s)))`` rows (rounding halves up, as
    Java's ``Math.round``); the samples stop at the first one that reaches ``n_train``.

    Args:
        n_train: the size of the fold's training set.

    Returns:
        The sizes, e.g. ``(64, 91, 100)`` for 100 training rows.
    """
    sizes: list[int] = []
    while not sizes or sizes[-1] < n_train:
        sizes.append(min(n_train, math.floor(2 ** (6 + 0.5 * len(sizes)) + 0.5)))
    return tuple(sizes)


def iter_folds(splits: pa.Table) -> Iterator[Part]:
    """Every split of a splits table, in (repeat, fold, sample) order.

    Args:
        splits: a splits table.

    Yields:
        ``(repeat, fold, sample, train, test)``, the last two int64 arrays of row ids.
    """
    return iter_splits(splits)


def fold_shape(splits: pa.Table) -> tuple[int, int, int]:
    """``(repeats, folds, samples)`` of a splits table (samples: the most any fold has)."""
    return splits_shape(splits)


def _check_inputs(
    procedure: EstimationProcedure,
    n_rows: int,
    labels: npt.NDArray[Any] | None,
    seed: int,
    test_row_ids: Sequence[int] | None,
) -> None:
    if not 0 <= seed < _SEED_LIMIT:
        raise InvalidInput(f"the seed must be between 0 and 2**32 - 1, not {seed}")
    if n_rows < 1:
        raise InvalidInput(f"a task needs a dataset with rows, this one has {n_rows}")
    if labels is not None and len(labels) != n_rows:
        raise InvalidInput(f"{len(labels)} labels for {n_rows} rows")
    if test_row_ids is not None and procedure.kind != "custom_holdout":
        raise InvalidInput(f"test_row_ids are only for a custom holdout, not {procedure.name!r}")
    if procedure.kind == "custom_holdout" and procedure.folds != 1:
        raise InvalidInput(
            f"{procedure.name!r} needs a fold for every row, which mlhive cannot take yet;"
            " use 'Custom Holdout' with test_row_ids"
        )
    if procedure.kind == "leaveoneout" and n_rows > LEAVE_ONE_OUT_MAX_ROWS:
        raise InvalidInput(
            f"leave-one-out makes n * n split rows; it is limited to {LEAVE_ONE_OUT_MAX_ROWS}"
            f" rows and this dataset has {n_rows}; use cross-validation"
        )


def _expected_rows(procedure: EstimationProcedure, n_rows: int) -> int:
    repeats, folds = procedure.repeats or 1, procedure.folds or 1
    if procedure.kind == "leaveoneout":
        return n_rows * n_rows
    if procedure.kind == "testontrainingdata":
        return 2 * n_rows
    if procedure.learning_curve:
        n_test = math.ceil(n_rows / folds)
        sizes = learning_curve_sizes(n_rows - n_rows // folds)
        return repeats * folds * (sum(sizes) + len(sizes) * n_test)
    if procedure.kind == "crossvalidation":
        return repeats * folds * n_rows
    return repeats * n_rows


def _strata(labels: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Class codes 0..k-1; missing labels (None, NaN) form the last stratum."""
    codes, uniques = pd.factorize(pd.Series(labels, dtype=object), use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    codes[codes < 0] = len(uniques)
    return codes


def _fold_assignment(
    n_rows: int, folds: int, repeats: int, strata: npt.NDArray[np.int64] | None, seed: int
) -> Iterator[npt.NDArray[np.int32]]:
    """For each repeat, the test fold of every row."""
    if n_rows < folds:
        raise InvalidInput(f"{folds} folds need at least {folds} rows, the dataset has {n_rows}")
    random_state = np.random.RandomState(seed)
    if strata is not None and np.bincount(strata).max() < folds:
        strata = None
    placeholder = np.zeros((n_rows, 1), dtype=np.uint8)
    for _ in range(repeats):
        fold_of_row = np.empty(n_rows, dtype=np.int32)
        if strata is None:
            pairs = KFold(folds, shuffle=True, random_state=random_state).split(placeholder)
        else:
            splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "The least populated class", UserWarning)
                pairs = iter(list(splitter.split(placeholder, strata)))
        for fold, (_, test) in enumerate(pairs):
            fold_of_row[test] = fold
        yield fold_of_row


def _cross_validation(
    procedure: EstimationProcedure,
    n_rows: int,
    strata: npt.NDArray[np.int64] | None,
    seed: int,
) -> Iterator[Part]:
    folds, repeats = procedure.folds or 1, procedure.repeats or 1
    for repeat, fold_of_row in enumerate(_fold_assignment(n_rows, folds, repeats, strata, seed)):
        for fold in range(folds):
            yield repeat, fold, 0, _where(fold_of_row != fold), _where(fold_of_row == fold)


def _learning_curve(
    procedure: EstimationProcedure,
    n_rows: int,
    strata: npt.NDArray[np.int64] | None,
    seed: int,
) -> Iterator[Part]:
    folds, repeats = procedure.folds or 1, procedure.repeats or 1
    assignments = _fold_assignment(n_rows, folds, repeats, strata, seed)
    for repeat, fold_of_row in enumerate(assignments):
        rng = np.random.default_rng([seed, repeat])
        for fold in range(folds):
            train, test = _where(fold_of_row != fold), _where(fold_of_row == fold)
            train_strata = None if strata is None else strata[train]
            position = _interleaved_positions(len(train), train_strata, rng)
            for sample, size in enumerate(learning_curve_sizes(len(train))):
                yield repeat, fold, sample, train[position < size], test


def _interleaved_positions(
    n_rows: int, strata: npt.NDArray[np.int64] | None, rng: np.random.Generator
) -> IntArray:
    """Random places 0..n-1 for n rows such that every prefix keeps the class proportions.

    The ``k``-th row (in random order) of a class with ``m`` rows gets the key ``(k + 0.5) / m``;
    sorting by key (random tie-break) interleaves the classes evenly, so the first ``L`` places
    hold ``L * m / n`` rows of the class give or take one.
    """
    if strata is None:
        return rng.permutation(n_rows).astype(np.int64)
    codes, counts = np.unique(strata, return_inverse=True, return_counts=True)[1:]
    grouped = np.lexsort((rng.random(n_rows), codes))
    place = np.empty(n_rows, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    place[grouped] = np.arange(n_rows) - starts[codes[grouped]]
    key = (place + 0.5) / counts[codes]
    position = np.empty(n_rows, dtype=np.int64)
    position[np.lexsort((rng.random(n_rows), key))] = np.arange(n_rows)
    return position


def _holdout(
    procedure: EstimationProcedure,
    n_rows: int,
    strata: npt.NDArray[np.int64] | None,
    seed: int,
) -> Iterator[Part]:
    share, repeats = (procedure.percentage or 0.0) / 100, procedure.repeats or 1
    placeholder = np.zeros((n_rows, 1), dtype=np.uint8)
    splits: list[tuple[IntArray, IntArray]] | None = None
    if strata is not None:
        try:
            splitter = StratifiedShuffleSplit(repeats, test_size=share, random_state=seed)
            splits = list(splitter.split(placeholder, strata))
        except ValueError:
            splits = None  # a class with one row, or fewer test rows than classes
    if splits is None:
        try:
            splits = list(
                ShuffleSplit(repeats, test_size=share, random_state=seed).split(placeholder)
            )
        except ValueError as exc:
            raise InvalidInput(f"cannot hold out {share:.0%} of {n_rows} rows: {exc}") from None
    for repeat, (train, test) in enumerate(splits):
        yield repeat, 0, 0, np.sort(train).astype(np.int64), np.sort(test).astype(np.int64)


def _ordered_holdout(procedure: EstimationProcedure, n_rows: int) -> Iterator[Part]:
    n_test = math.floor(n_rows * (procedure.percentage or 0.0) / 100 + 0.5)
    if not 0 < n_test < n_rows:
        raise InvalidInput(f"cannot hold out {procedure.percentage}% of {n_rows} rows")
    rows = np.arange(n_rows, dtype=np.int64)
    yield 0, 0, 0, rows[: n_rows - n_test], rows[n_rows - n_test :]


def _leave_one_out(n_rows: int) -> Iterator[Part]:
    if n_rows < 2:
        raise InvalidInput("leave-one-out needs at least 2 rows")
    rows = np.arange(n_rows, dtype=np.int64)
    for fold in range(n_rows):
        yield 0, fold, 0, np.delete(rows, fold), rows[fold : fold + 1]


def _custom_holdout(n_rows: int, test_row_ids: Sequence[int]) -> Iterator[Part]:
    test = np.asarray(test_row_ids)
    if test.size == 0:
        raise InvalidInput("a custom holdout needs test_row_ids, and none were given")
    if test.dtype.kind not in "iu":
        raise InvalidInput("test_row_ids must be whole numbers (0-based row indices)")
    outside = test[(test < 0) | (test >= n_rows)]
    if outside.size:
        raise InvalidInput(
            f"test_row_ids must be between 0 and {n_rows - 1}; {int(outside[0])} is not"
        )
    unique, counts = np.unique(test, return_counts=True)
    if (counts > 1).any():
        raise InvalidInput(f"test_row_ids lists row {int(unique[counts > 1][0])} twice")
    if unique.size == n_rows:
        raise InvalidInput("test_row_ids cannot be every row: nothing would be left to train on")
    is_test = np.zeros(n_rows, dtype=bool)
    is_test[unique] = True
    yield 0, 0, 0, _where(~is_test), unique.astype(np.int64)


def _where(mask: npt.NDArray[np.bool_]) -> IntArray:
    return np.flatnonzero(mask).astype(np.int64)


def _assemble(parts: Iterator[Part]) -> pa.Table:
    """One canonical table from the splits in (repeat, fold, sample) order."""
    keys: list[tuple[int, int, int]] = []
    pieces: list[IntArray] = []
    for repeat, fold, sample, train, test in parts:
        keys.append((repeat, fold, sample))
        pieces += [train, test]
    sizes = np.array([len(piece) for piece in pieces], dtype=np.int64)
    per_split = sizes[0::2] + sizes[1::2]
    key_array = np.array(keys, dtype=np.int32).reshape(-1, 3)
    type_codes = np.repeat(np.tile(np.array([0, 1], dtype=np.int32), len(keys)), sizes)
    kinds = pa.DictionaryArray.from_arrays(pa.array(type_codes), pa.array(list(SPLIT_TYPES)))
    arrays: list[pa.Array] = [kinds, pa.array(np.concatenate(pieces), pa.int64())]
    arrays += [pa.array(np.repeat(key_array[:, i], per_split)) for i in range(3)]
    return pa.Table.from_arrays(arrays, schema=SPLITS_SCHEMA)
