"""Splits made once per task: deterministic, stratified, and shaped as OpenML's procedures say."""

from __future__ import annotations

import io
import itertools
from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments.procedures import get_procedure
from mlhive.server.domain.experiments.splits import (
    LEAVE_ONE_OUT_MAX_ROWS,
    fold_shape,
    iter_folds,
    learning_curve_sizes,
    make_splits,
)

CV10, CV_5X2, CV_10X10, LOO, HOLDOUT33 = 1, 2, 3, 4, 6
REG_CV10, REG_HOLDOUT33, CUSTOM, CUSTOM_FOLDS = 7, 12, 16, 24
LC10, LC_10X10, CLUSTERING, TRAIN_TEST, ORDERED = 13, 14, 17, 26, 28


def splits(
    procedure_id: int, n_rows: int, labels: Any = None, seed: int = 7, **kw: Any
) -> pa.Table:
    return make_splits(get_procedure(procedure_id), n_rows=n_rows, labels=labels, seed=seed, **kw)


def unbalanced_labels(n_rows: int) -> npt.NDArray[Any]:
    """Three classes in 6:3:1 proportion, shuffled, with a few missing labels."""
    rng = np.random.default_rng(0)
    labels = rng.choice(np.array(["a", "b", "c"], dtype=object), n_rows, p=[0.6, 0.3, 0.1])
    labels[rng.choice(n_rows, 20, replace=False)] = None
    return labels


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_table_has_the_canonical_schema_and_order() -> None:
    table = splits(CV10, 50)
    assert table.schema.names == ["type", "rowid", "repeat", "fold", "sample"]
    assert table.schema.field("type").type == pa.dictionary(pa.int32(), pa.string())
    assert [table.schema.field(n).type for n in ["rowid", "repeat", "fold", "sample"]] == [
        pa.int64(), pa.int32(), pa.int32(), pa.int32()
    ]  # fmt: skip
    assert table.column("type").chunk(0).dictionary.to_pylist() == ["TRAIN", "TEST"]
    rows = table.to_pydict()
    keys = [
        (r, f, s, 0 if t == "TRAIN" else 1, i) for t, i, r, f, s in zip(*rows.values(), strict=True)
    ]
    assert keys == sorted(keys)


def test_same_seed_gives_identical_bytes_and_another_seed_differs() -> None:
    labels = unbalanced_labels(500)
    first, again = splits(CV_10X10, 500, labels, seed=11), splits(CV_10X10, 500, labels, seed=11)
    assert parquet_bytes(first) == parquet_bytes(again)
    other = splits(CV_10X10, 500, labels, seed=12)
    assert not other.equals(first)


@pytest.mark.parametrize("procedure_id", [CV10, CV_10X10, REG_CV10, CV_5X2])
def test_cross_validation_tests_every_row_once_per_repeat(procedure_id: int) -> None:
    n_rows = 203
    labels = unbalanced_labels(n_rows)
    table = splits(procedure_id, n_rows, labels)
    procedure = get_procedure(procedure_id)
    assert fold_shape(table) == (procedure.repeats, procedure.folds, 1)
    everything = np.arange(n_rows)
    tested: dict[int, list[int]] = {}
    for repeat, _fold, sample, train, test in iter_folds(table):
        assert sample == 0
        np.testing.assert_array_equal(train, np.setdiff1d(everything, test))
        tested.setdefault(repeat, []).extend(test.tolist())
    for rows in tested.values():
        assert sorted(rows) == everything.tolist()


def test_repeats_shuffle_differently() -> None:
    table = splits(CV_10X10, 300)
    first_tests = {
        repeat: test.tolist() for repeat, fold, _, _, test in iter_folds(table) if fold == 0
    }
    assert len({tuple(rows) for rows in first_tests.values()}) == 10


def test_stratified_folds_keep_class_proportions_within_one_row() -> None:
    labels = unbalanced_labels(1000)
    counts = Counter(labels.tolist())
    for _, _, _, _, test in iter_folds(splits(CV10, 1000, labels)):
        in_fold = Counter(labels[test].tolist())
        for label, total in counts.items():
            assert abs(in_fold[label] - total / 10) <= 1, (label, in_fold)


def test_missing_labels_form_their_own_stratum() -> None:
    labels = np.array(["a", "b"] * 45 + [None] * 5 + [float("nan")] * 5, dtype=object)
    for _, _, _, _, test in iter_folds(splits(CV10, 100, labels)):
        missing = [v for v in labels[test] if v is None or v != v]
        assert len(missing) == 1


def test_a_class_smaller_than_the_folds_is_spread_without_warnings() -> None:
    labels = np.array(["big"] * 97 + ["rare"] * 3, dtype=object)
    folds_with_rare = [
        fold
        for _, fold, _, _, test in iter_folds(splits(CV10, 100, labels))
        if "rare" in labels[test]
    ]
    assert len(folds_with_rare) == 3


def test_no_class_as_large_as_the_folds_falls_back_to_plain_folds() -> None:
    labels = np.array([f"class{i // 2}" for i in range(30)], dtype=object)
    table = splits(CV10, 30, labels)
    assert sorted(len(test) for *_, test in iter_folds(table)) == [3] * 10


def test_fewer_rows_than_folds_is_invalid() -> None:
    with pytest.raises(InvalidInput, match="10 folds need at least 10 rows"):
        splits(CV10, 9)


@pytest.mark.parametrize("procedure_id", [HOLDOUT33, REG_HOLDOUT33])
def test_holdout_tests_its_percentage(procedure_id: int) -> None:
    labels = unbalanced_labels(1000) if procedure_id == HOLDOUT33 else None
    table = splits(procedure_id, 1000, labels)
    [(repeat, fold, sample, train, test)] = list(iter_folds(table))
    assert (repeat, fold, sample) == (0, 0, 0)
    assert len(test) == 330
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(1000))


def test_stratified_holdout_keeps_proportions() -> None:
    labels = unbalanced_labels(1000)
    *_, test = next(iter_folds(splits(HOLDOUT33, 1000, labels)))
    for label, total in Counter(labels.tolist()).items():
        assert abs(Counter(labels[test].tolist())[label] - total * 0.33) <= 1


def test_holdout_with_a_single_row_class_still_splits() -> None:
    labels = np.array(["a"] * 59 + ["lonely"], dtype=object)
    *_, train, test = next(iter_folds(splits(HOLDOUT33, 60, labels)))
    assert (len(train), len(test)) == (40, 20)


def test_ordered_holdout_tests_the_last_rows() -> None:
    *_, train, test = next(iter_folds(splits(ORDERED, 100)))
    assert train.tolist() == list(range(80))
    assert test.tolist() == list(range(80, 100))


def test_leave_one_out_tests_each_row_alone() -> None:
    table = splits(LOO, 5)
    assert fold_shape(table) == (1, 5, 1)
    for _, fold, _, train, test in iter_folds(table):
        assert test.tolist() == [fold]
        assert train.tolist() == [row for row in range(5) if row != fold]


def test_leave_one_out_is_refused_on_large_datasets() -> None:
    with pytest.raises(InvalidInput, match="leave-one-out"):
        splits(LOO, LEAVE_ONE_OUT_MAX_ROWS + 1)


def test_custom_holdout_uses_the_given_test_rows() -> None:
    table = splits(CUSTOM, 10, test_row_ids=[7, 2, 5])
    [(_, _, _, train, test)] = list(iter_folds(table))
    assert test.tolist() == [2, 5, 7]
    assert train.tolist() == [0, 1, 3, 4, 6, 8, 9]


@pytest.mark.parametrize(
    ("test_row_ids", "message"),
    [
        ([], "needs test_row_ids"),
        ([3, 10], "between 0 and 9; 10 is not"),
        ([-1], "-1 is not"),
        ([4, 4], "row 4 twice"),
        (list(range(10)), "cannot be every row"),
        ([1.5], "whole numbers"),
    ],
)
def test_custom_holdout_rejects_bad_test_rows(test_row_ids: list[Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        splits(CUSTOM, 10, test_row_ids=test_row_ids)


def test_test_rows_are_only_for_custom_holdouts() -> None:
    with pytest.raises(InvalidInput, match="only for a custom holdout"):
        splits(CV10, 100, test_row_ids=[1])


def test_custom_folds_are_refused_with_a_way_out() -> None:
    with pytest.raises(InvalidInput, match="Custom Holdout"):
        splits(CUSTOM_FOLDS, 100)


@pytest.mark.parametrize("procedure_id", [CLUSTERING, TRAIN_TEST])
def test_test_on_training_data_trains_and_tests_on_everything(procedure_id: int) -> None:
    [(repeat, fold, sample, train, test)] = list(iter_folds(splits(procedure_id, 12)))
    assert (repeat, fold, sample) == (0, 0, 0)
    assert train.tolist() == test.tolist() == list(range(12))


@pytest.mark.parametrize(
    ("n_train", "expected"),
    [
        (50, (50,)),
        (64, (64,)),
        (65, (64, 65)),
        (100, (64, 91, 100)),
        (900, (64, 91, 128, 181, 256, 362, 512, 724, 900)),
    ],
)
def test_learning_curve_sizes_follow_openml(n_train: int, expected: tuple[int, ...]) -> None:
    assert learning_curve_sizes(n_train) == expected


def test_learning_curve_samples_grow_inside_each_training_fold() -> None:
    labels = unbalanced_labels(1000)
    table = splits(LC10, 1000, labels)
    cv = {fold: (train, test) for _, fold, _, train, test in iter_folds(splits(CV10, 1000, labels))}
    by_fold: dict[int, list[tuple[Any, Any]]] = {}
    for _, fold, sample, train, test in iter_folds(table):
        assert sample == len(by_fold.setdefault(fold, []))
        by_fold[fold].append((train, test))
    for fold, samples in by_fold.items():
        full_train, full_test = cv[fold]
        sizes = [len(train) for train, _ in samples]
        assert tuple(sizes) == learning_curve_sizes(len(full_train))
        for (smaller, _), (larger, _) in itertools.pairwise(samples):
            assert set(smaller) <= set(larger)
        np.testing.assert_array_equal(samples[-1][0], full_train)
        for _, test in samples:
            np.testing.assert_array_equal(test, full_test)


def test_learning_curve_samples_keep_class_proportions() -> None:
    labels = unbalanced_labels(2000)
    shares = {label: n / 2000 for label, n in Counter(labels.tolist()).items()}
    for *_, train, _ in iter_folds(splits(LC_10X10, 2000, labels)):
        counts = Counter(labels[train].tolist())
        for label, share in shares.items():
            assert abs(counts[label] - share * len(train)) <= 2


def test_learning_curve_has_a_sample_column_and_shape() -> None:
    table = splits(LC_10X10, 1000)
    assert fold_shape(table) == (10, 10, 9)


def test_procedures_that_make_too_many_rows_are_refused() -> None:
    with pytest.raises(InvalidInput, match="fewer repeats or folds"):
        splits(CV_10X10, 1000, max_split_rows=99_999)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "seed"),
        ({"seed": 2**32}, "seed"),
        ({"n_rows": 0}, "rows"),
        ({"labels": np.array(["a", "b"])}, "2 labels for 10 rows"),
    ],
)
def test_bad_inputs_are_invalid(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"n_rows": 10, "labels": None, "seed": 1} | kwargs
    with pytest.raises(InvalidInput, match=message):
        make_splits(get_procedure(REG_CV10), **arguments)


def test_splitting_some_rows_splits_them_as_a_dataset_of_their_own() -> None:
    rows = np.array([0, 2, 3, 5, 8, 9, 11, 12, 14, 15], dtype=np.int64)
    labels = np.array(["a", "b"] * 8, dtype=object)
    subset = splits(1, n_rows=16, labels=labels, rows=rows)
    alone = splits(1, n_rows=10, labels=labels[rows])
    assert subset.column("rowid").to_pylist() == [
        int(rows[i]) for i in alone.column("rowid").to_pylist()
    ]
    assert subset.schema == alone.schema  # rowid stays non-nullable int64
    with pytest.raises(InvalidInput, match="row 1 has no target value"):
        splits(16, n_rows=16, labels=None, rows=rows, test_row_ids=[0, 1])
    with pytest.raises(InvalidInput, match="between 0 and 15; 16 is not"):
        splits(16, n_rows=16, labels=None, rows=rows, test_row_ids=[16])
    with pytest.raises(InvalidInput, match="no row has a target value"):
        splits(1, n_rows=16, labels=labels, rows=np.array([], dtype=np.int64))
