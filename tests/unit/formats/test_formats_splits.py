"""Splits files: OpenML's splits ARFF byte for byte, Parquet, and looking up one split."""

from __future__ import annotations

import io
import re
from pathlib import Path

import arff
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlhive.formats.splits import (
    SPLITS_SCHEMA,
    canonical_splits,
    iter_splits,
    read_splits,
    split_indices,
    splits_shape,
    write_splits_arff,
)
from mlhive.formats.types import FormatError

# The head of a splits file exactly as OpenML serves it (task 1882 in openml-python's tests),
# with the rows in OpenML's (unsorted) order.
OPENML_SPLITS = """@relation phpFsFYVN_splits

@attribute type {TRAIN,TEST}
@attribute rowid numeric
@attribute repeat numeric
@attribute fold numeric

@data
TRAIN,3,0,0
TRAIN,0,0,0
TEST,2,0,0
TEST,1,0,0
TRAIN,1,0,1
TRAIN,2,0,1
TEST,3,0,1
TEST,0,0,1
"""


def make_table(rows: list[tuple[str, int, int, int, int]]) -> pa.Table:
    """A splits table from (type, rowid, repeat, fold, sample) tuples, in the given order."""
    kinds, rowids, repeats, folds, samples = (list(column) for column in zip(*rows, strict=True))
    codes = pa.array([["TRAIN", "TEST"].index(kind) for kind in kinds], pa.int32())
    return pa.Table.from_arrays(
        [
            pa.DictionaryArray.from_arrays(codes, pa.array(["TRAIN", "TEST"])),
            pa.array(rowids, pa.int64()),
            pa.array(repeats, pa.int32()),
            pa.array(folds, pa.int32()),
            pa.array(samples, pa.int32()),
        ],
        schema=SPLITS_SCHEMA,
    )


def two_fold_table() -> pa.Table:
    """Two repeats of 2-fold cross-validation over 4 rows, canonical order."""
    rows = []
    for repeat, tests in enumerate([[[1, 2], [0, 3]], [[0, 1], [2, 3]]]):
        for fold, test in enumerate(tests):
            rows += [("TRAIN", r, repeat, fold, 0) for r in range(4) if r not in test]
            rows += [("TEST", r, repeat, fold, 0) for r in test]
    return make_table(rows)


def learning_curve_table() -> pa.Table:
    """One fold with two samples: train on {0} then {0, 2}; test on {1}."""
    return make_table(
        [
            ("TRAIN", 0, 0, 0, 0),
            ("TEST", 1, 0, 0, 0),
            ("TRAIN", 0, 0, 0, 1),
            ("TRAIN", 2, 0, 0, 1),
            ("TEST", 1, 0, 0, 1),
        ]
    )


def arff_text(table: pa.Table, relation: str = "iris_splits", **kw: bool) -> str:
    sink = io.BytesIO()
    write_splits_arff(table, sink, relation, **kw)
    return sink.getvalue().decode()


def test_arff_is_written_exactly_as_openml_serves_it() -> None:
    table = read_splits(io.BytesIO(OPENML_SPLITS.encode()), "arff")
    expected = OPENML_SPLITS.replace(
        "TRAIN,3,0,0\nTRAIN,0,0,0\nTEST,2,0,0\nTEST,1,0,0\nTRAIN,1,0,1\nTRAIN,2,0,1\n"
        "TEST,3,0,1\nTEST,0,0,1\n",
        "TRAIN,0,0,0\nTRAIN,3,0,0\nTEST,1,0,0\nTEST,2,0,0\nTRAIN,1,0,1\nTRAIN,2,0,1\n"
        "TEST,0,0,1\nTEST,3,0,1\n",
    )
    assert arff_text(table, "phpFsFYVN_splits") == expected


def test_learning_curves_get_a_sample_attribute() -> None:
    text = arff_text(learning_curve_table())
    assert text.startswith(
        "@relation iris_splits\n\n@attribute type {TRAIN,TEST}\n@attribute rowid numeric\n"
        "@attribute repeat numeric\n@attribute fold numeric\n@attribute sample numeric\n\n"
        "@data\nTRAIN,0,0,0,0\nTEST,1,0,0,0\nTRAIN,0,0,0,1\n"
    )
    assert "@attribute sample" not in arff_text(two_fold_table())
    single_sample = learning_curve_table().slice(0, 2)
    assert "@attribute sample numeric" in arff_text(single_sample, samples=True)


@pytest.mark.parametrize("table_maker", [two_fold_table, learning_curve_table])
def test_arff_round_trip_gives_the_same_table(table_maker: object, tmp_path: Path) -> None:
    assert callable(table_maker)
    table = table_maker()
    write_splits_arff(table, tmp_path / "splits.arff", "x_splits")
    assert read_splits(tmp_path / "splits.arff", "arff").equals(table)


def test_parquet_round_trip_gives_the_same_table(tmp_path: Path) -> None:
    table = two_fold_table()
    pq.write_table(table, tmp_path / "splits.parquet")
    assert read_splits(tmp_path / "splits.parquet", "parquet").equals(table)


def test_liac_arff_loads_what_we_write() -> None:
    loaded = arff.loads(arff_text(two_fold_table(), "my data splits"))
    assert loaded["relation"] == "my data splits"
    assert loaded["attributes"] == [
        ("type", ["TRAIN", "TEST"]),
        ("rowid", "NUMERIC"),
        ("repeat", "NUMERIC"),
        ("fold", "NUMERIC"),
    ]
    assert loaded["data"][:3] == [
        ["TRAIN", 0.0, 0.0, 0.0],
        ["TRAIN", 3.0, 0.0, 0.0],
        ["TEST", 1.0, 0.0, 0.0],
    ]
    assert len(loaded["data"]) == 16


def test_reading_openmls_file_sorts_rows_canonically() -> None:
    table = read_splits(io.BytesIO(OPENML_SPLITS.encode()), "arff")
    assert table.schema == SPLITS_SCHEMA
    assert table.column("rowid").to_pylist() == [0, 3, 1, 2, 1, 2, 0, 3]
    assert table.column("sample").to_pylist() == [0] * 8


def test_canonical_splits_accepts_plain_strings_and_floats() -> None:
    loose = pa.table(
        {
            "type": ["TEST", "TRAIN"],
            "rowid": [1.0, 0.0],
            "repeat": [0.0, 0.0],
            "fold": [0, 0],
        }
    )
    assert canonical_splits(loose).equals(make_table([("TRAIN", 0, 0, 0, 0), ("TEST", 1, 0, 0, 0)]))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("VALID,1,0,0\n", "TRAIN or TEST"),
        ("TRAIN,1.5,0,0\n", "rowid has fractional"),
        ("TRAIN,-1,0,0\n", "rowid has negative"),
        ("TRAIN,?,0,0\n", "rowid has missing"),
    ],
)
def test_bad_arff_values_are_format_errors(body: str, message: str) -> None:
    header = OPENML_SPLITS.split("@data\n")[0].replace("{TRAIN,TEST}", "{TRAIN,TEST,VALID}")
    with pytest.raises(FormatError, match=message) as caught:
        read_splits(io.BytesIO(f"{header}@data\n{body}".encode()), "arff")
    assert caught.value.code == "malformed_file"


def test_missing_columns_empty_files_and_garbage_are_format_errors() -> None:
    no_fold = re.sub(r",\d\n", "\n", OPENML_SPLITS.replace("@attribute fold numeric\n", ""))
    with pytest.raises(FormatError, match="fold"):
        read_splits(io.BytesIO(no_fold.encode()), "arff")
    empty = OPENML_SPLITS.split("@data\n")[0] + "@data\n"
    with pytest.raises(FormatError) as caught:
        read_splits(io.BytesIO(empty.encode()), "arff")
    assert caught.value.code == "empty_file"
    with pytest.raises(FormatError, match="Parquet"):
        read_splits(io.BytesIO(b"not parquet"), "parquet")
    with pytest.raises(FormatError) as caught:
        read_splits(io.BytesIO(b""), "csv")  # type: ignore[arg-type]
    assert caught.value.code == "unsupported_format"


def test_split_indices_returns_train_and_test_rows() -> None:
    train, test = split_indices(two_fold_table(), repeat=1, fold=0)
    assert (train.tolist(), test.tolist()) == ([2, 3], [0, 1])
    train, test = split_indices(learning_curve_table(), sample=1)
    assert (train.tolist(), test.tolist()) == ([0, 2], [1])


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"fold": 2}, "no fold 2 .*folds 0-1"),
        ({"repeat": 5}, "no repeat 5 .*repeats 0-1"),
        ({"sample": 1}, "no sample 1"),
    ],
)
def test_split_indices_names_what_is_missing(where: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_indices(two_fold_table(), **where)


def test_iter_splits_and_shape() -> None:
    table = two_fold_table()
    assert splits_shape(table) == (2, 2, 1)
    assert splits_shape(learning_curve_table()) == (1, 1, 2)
    groups = [
        (r, f, s, train.tolist(), test.tolist()) for r, f, s, train, test in iter_splits(table)
    ]
    assert groups == [
        (0, 0, 0, [0, 3], [1, 2]),
        (0, 1, 0, [1, 2], [0, 3]),
        (1, 0, 0, [2, 3], [0, 1]),
        (1, 1, 0, [0, 1], [2, 3]),
    ]
    shuffled = table.take(np.random.default_rng(0).permutation(table.num_rows))
    regrouped = [(r, f, s, sorted(a), sorted(b)) for r, f, s, a, b in iter_splits(shuffled)]
    assert regrouped == groups
