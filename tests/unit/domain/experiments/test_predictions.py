"""Reading a run's predictions and checking them against the task's splits."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments.predictions import (
    ValidPredictions,
    read_predictions,
    validate_predictions,
)
from mlhive.wire.errors import ErrorCode

CLASSES = ("no", "yes")


def make_splits(
    n_rows: int, folds: int = 10, repeats: int = 1, samples: int = 1, seed: int = 0
) -> pa.Table:
    """Splits like the server stores them: row ``i`` is a test row of fold ``i % folds`` in
    repeat 0 (later repeats shuffle); learning-curve samples grow the training set."""
    rng = np.random.default_rng(seed)
    parts = []
    for repeat in range(repeats):
        rows = np.arange(n_rows) if repeat == 0 else rng.permutation(n_rows)
        fold_of = np.empty(n_rows, dtype=np.int64)
        fold_of[rows] = np.arange(n_rows) % folds
        for fold in range(folds):
            test, train = np.flatnonzero(fold_of == fold), np.flatnonzero(fold_of != fold)
            for sample in range(samples):
                used = train[: max(1, len(train) * (sample + 1) // samples)]
                ids = np.concatenate([used, test])
                is_test = np.repeat([0, 1], [len(used), len(test)]).astype(np.int32)
                kinds = pa.DictionaryArray.from_arrays(is_test, ["TRAIN", "TEST"])
                parts.append(
                    pa.table(
                        {
                            "type": kinds,
                            "rowid": pa.array(ids, pa.int64()),
                            "repeat": pa.array(np.full(len(ids), repeat), pa.int32()),
                            "fold": pa.array(np.full(len(ids), fold), pa.int32()),
                            "sample": pa.array(np.full(len(ids), sample), pa.int32()),
                        }
                    )
                )
    return pa.concat_tables(parts).combine_chunks()


def split_test_rows(splits: pa.Table) -> dict[str, np.ndarray]:
    mask = pc.equal(splits.column("type").cast(pa.string()), "TEST").to_numpy()
    return {
        name: splits.column(column).to_numpy()[mask]
        for name, column in (
            ("repeat", "repeat"),
            ("fold", "fold"),
            ("sample", "sample"),
            ("row_id", "rowid"),
        )
    }


def make_predictions(
    splits: pa.Table,
    task_type: str = "supervised_classification",
    classes: Sequence[str] = CLASSES,
    seed: int = 0,
    shuffle: bool = True,
) -> pa.Table:
    """Random, valid predictions for every test row, in shuffled order."""
    rng = np.random.default_rng(seed)
    ids = split_test_rows(splits)
    n = len(ids["row_id"])
    order = rng.permutation(n) if shuffle else np.arange(n)
    columns: dict[str, object] = {
        "repeat": pa.array(ids["repeat"][order], pa.int32()),
        "fold": pa.array(ids["fold"][order], pa.int32()),
        "sample": pa.array(ids["sample"][order], pa.int32()),
        "row_id": pa.array(ids["row_id"][order], pa.int64()),
    }
    if task_type in ("supervised_classification", "learning_curve"):
        proba = rng.dirichlet(np.ones(len(classes)), size=n)
        columns["prediction"] = pa.array(np.asarray(classes)[proba.argmax(axis=1)])
        for j, label in enumerate(classes):
            columns[f"confidence.{label}"] = pa.array(proba[:, j])
    elif task_type == "supervised_regression":
        columns["prediction"] = pa.array(rng.normal(size=n))
    else:
        columns["prediction"] = pa.array(rng.integers(0, 4, size=n), pa.int64())
    return pa.table(columns)


def replace(table: pa.Table, name: str, values: object) -> pa.Table:
    array = values if isinstance(values, pa.Array) else pa.array(values)
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, array)
    return table.append_column(name, array)


def first_where(table: pa.Table, **equal: int) -> int:
    mask = np.ones(table.num_rows, dtype=bool)
    for name, value in equal.items():
        mask &= table.column(name).to_numpy() == value
    return int(np.flatnonzero(mask)[0])


def validate(
    predictions: pa.Table,
    splits: pa.Table,
    task_type: str = "supervised_classification",
    classes: Sequence[str] | None = CLASSES,
) -> ValidPredictions:
    return validate_predictions(predictions, splits, task_type=task_type, class_labels=classes)


SPLITS = make_splits(1000)


# --- what a user gets back -------------------------------------------------------------------


def test_valid_classification_predictions_come_back_sorted_like_the_test_rows() -> None:
    predictions = make_predictions(SPLITS)
    valid = validate(predictions, SPLITS)
    assert len(valid) == 1000
    assert np.array_equal(valid.fold, np.repeat(np.arange(10), 100))
    assert np.array_equal(valid.row_id[:3], [0, 10, 20])
    assert valid.class_labels == CLASSES
    # Row 10 carries exactly what the uploader said about row 10.
    i = first_where(predictions, row_id=10)
    assert CLASSES[valid.labels[1]] == predictions.column("prediction")[i].as_py()
    assert valid.probabilities[1, 1] == pytest.approx(predictions["confidence.yes"][i].as_py())
    assert [(r, f, s, b.stop - b.start) for r, f, s, b in valid.blocks()][:2] == [
        (0, 0, 0, 100),
        (0, 1, 0, 100),
    ]


def test_confidences_within_tolerance_are_renormalised_to_sum_to_one() -> None:
    predictions = make_predictions(SPLITS)
    nudged = predictions.column("confidence.yes").to_numpy() + 0.0005
    valid = validate(replace(predictions, "confidence.yes", nudged), SPLITS)
    assert np.allclose(valid.probabilities.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_dictionary_labels_and_extra_columns_are_accepted() -> None:
    predictions = make_predictions(SPLITS)
    labels = predictions.column("prediction").combine_chunks().dictionary_encode()
    predictions = replace(predictions, "prediction", labels).append_column(
        "note", pa.array(["x"] * predictions.num_rows)
    )
    assert len(validate(predictions, SPLITS)) == 1000


def test_regression_and_clustering_predictions_validate() -> None:
    regression = validate(
        make_predictions(SPLITS, "supervised_regression"), SPLITS, "supervised_regression", None
    )
    assert regression.values is not None and regression.labels is None
    assert regression.values.dtype == np.float64
    clusters = make_predictions(SPLITS, "clustering")
    as_float = replace(clusters, "prediction", clusters.column("prediction").cast(pa.float64()))
    valid = validate(as_float, SPLITS, "clustering", None)
    assert valid.labels is not None and valid.labels.dtype == np.int64
    assert valid.probabilities is None


def test_learning_curve_predictions_cover_every_sample() -> None:
    splits = make_splits(200, folds=5, samples=3)
    valid = validate(make_predictions(splits, "learning_curve"), splits, "learning_curve")
    assert len(valid) == 600
    assert [s for _, f, s, _ in valid.blocks() if f == 0] == [0, 1, 2]


def test_a_million_predictions_validate() -> None:
    splits = make_splits(1_000_000, folds=10)
    valid = validate(make_predictions(splits, seed=3), splits)
    assert len(valid) == 1_000_000
    assert np.all(np.diff(valid.fold) >= 0)


# --- what is rejected, and how the message says it --------------------------------------------


def rejected(
    predictions: pa.Table,
    match: str,
    splits: pa.Table = SPLITS,
    task_type: str = "supervised_classification",
    classes: Sequence[str] | None = CLASSES,
) -> InvalidInput:
    with pytest.raises(InvalidInput, match=match) as info:
        validate(predictions, splits, task_type, classes)
    assert info.value.code == ErrorCode.INVALID_INPUT
    assert info.value.extra == {"field": "predictions"}
    return info.value


def test_missing_test_rows_are_counted_and_named() -> None:
    predictions = make_predictions(SPLITS, shuffle=False)
    fold3 = predictions.column("fold").to_numpy() == 3
    keep = ~(fold3 & (predictions.column("row_id").to_numpy() >= 883))
    rejected(
        predictions.filter(pa.array(keep)),
        r"expected 1000 prediction rows, got 988: repeat 0, fold 3: 12 test rows have no "
        r"prediction \(first: row 883\)",
    )


def test_a_row_predicted_twice_is_named() -> None:
    predictions = make_predictions(SPLITS)
    twice = pa.concat_tables(
        [predictions, predictions.slice(first_where(predictions, row_id=41), 1)]
    )
    rejected(twice, r"row 41 is predicted twice in repeat 0, fold 1")


def test_a_fold_the_task_does_not_have() -> None:
    predictions = make_predictions(SPLITS)
    folds = predictions.column("fold").to_numpy().copy()
    folds[5] = 10
    rejected(
        replace(predictions, "fold", pa.array(folds, pa.int32())),
        r"fold 10 does not exist \(the task has folds 0-9\)",
    )


def test_a_repeat_or_sample_the_task_does_not_have() -> None:
    predictions = make_predictions(SPLITS)
    rejected(
        replace(predictions, "repeat", pa.array(np.ones(1000, np.int32))),
        r"repeat 1 does not exist \(the task has repeat 0\)",
    )
    rejected(
        replace(predictions, "sample", pa.array(np.full(1000, 2, np.int32))),
        r"sample 2 does not exist",
    )


def test_a_row_id_out_of_range() -> None:
    predictions = make_predictions(SPLITS)
    rows = predictions.column("row_id").to_numpy().copy()
    rows[7] = 1000
    rejected(replace(predictions, "row_id", rows), r"row_id 1000 is out of range \(0-999")


def test_a_row_outside_the_fold_test_set() -> None:
    predictions = make_predictions(SPLITS)
    i = first_where(predictions, row_id=11)  # a test row of fold 1, so a training row of 0
    folds = predictions.column("fold").to_numpy().copy()
    folds[i] = 0
    rejected(
        replace(predictions, "fold", pa.array(folds, pa.int32())),
        r"row 11 is not a test row of repeat 0, fold 0",
    )


def test_a_learning_curve_sample_without_predictions() -> None:
    splits = make_splits(200, folds=5, samples=3)
    predictions = make_predictions(splits, "learning_curve")
    keep = pa.array(predictions.column("sample").to_numpy() != 2)
    rejected(
        predictions.filter(keep),
        r"repeat 0, fold 0, sample 2: 40 test rows have no",
        splits=splits,
        task_type="learning_curve",
    )


def test_unknown_class_label() -> None:
    predictions = make_predictions(SPLITS)
    labels = predictions.column("prediction").to_pylist()
    labels[first_where(predictions, row_id=5)] = "maybe"
    rejected(
        replace(predictions, "prediction", labels),
        r"unknown class label 'maybe' \(1 rows, first: row 5 in repeat 0, fold 5; "
        r"task classes: no, yes\)",
    )


def test_missing_confidence_column_says_openml_requires_it() -> None:
    predictions = make_predictions(SPLITS).drop_columns(["confidence.yes"])
    rejected(predictions, r"confidence columns missing for classes: yes \(OpenML requires")


def test_confidence_column_for_an_unknown_class() -> None:
    predictions = replace(make_predictions(SPLITS), "confidence.maybe", np.zeros(1000))
    rejected(predictions, r"confidence columns for unknown classes: maybe")


def test_probabilities_that_do_not_sum_to_one() -> None:
    predictions = make_predictions(SPLITS, shuffle=False)
    yes = predictions.column("confidence.yes").to_numpy().copy()
    no = predictions.column("confidence.no").to_numpy().copy()
    for row in (5, 15, 25):
        i = first_where(predictions, row_id=row)
        no[i], yes[i] = 0.3, 0.4
    broken = replace(replace(predictions, "confidence.yes", yes), "confidence.no", no)
    rejected(
        broken,
        r"probabilities of 3 rows do not sum to 1 \(first: row 5 in repeat 0, "
        r"fold 5 sums to 0\.7",
    )


def test_confidences_outside_zero_one() -> None:
    predictions = make_predictions(SPLITS)
    yes = predictions.column("confidence.yes").to_numpy().copy()
    yes[0] = 1.5
    rejected(
        replace(predictions, "confidence.yes", yes),
        r"confidences must lie in \[0, 1\]: confidence.yes is 1.5",
    )


def test_missing_values_are_rejected() -> None:
    predictions = make_predictions(SPLITS)
    labels = predictions.column("prediction").to_pylist()
    labels[3] = None
    rejected(
        replace(predictions, "prediction", pa.array(labels, pa.string())),
        r"1 predictions are missing \(first: row",
    )
    yes = predictions.column("confidence.yes").to_numpy().copy()
    yes[3] = np.nan
    rejected(replace(predictions, "confidence.yes", yes), r"confidence.yes is missing for 1 rows")
    folds = predictions.column("fold").to_pylist()
    folds[3] = None
    rejected(
        replace(predictions, "fold", pa.array(folds, pa.int32())),
        r"column 'fold' must hold whole numbers: 1 values are missing",
    )


def test_regression_predictions_must_be_finite() -> None:
    predictions = make_predictions(SPLITS, "supervised_regression", shuffle=False)
    values = predictions.column("prediction").to_numpy().copy()
    values[[first_where(predictions, row_id=2), first_where(predictions, row_id=4)]] = [
        np.nan,
        np.inf,
    ]
    rejected(
        replace(predictions, "prediction", values),
        r"2 predictions are missing or not finite numbers \(first: row 2 in repeat 0, "
        r"fold 2 is missing\)",
        task_type="supervised_regression",
        classes=None,
    )


def test_cluster_labels_must_be_integers() -> None:
    predictions = make_predictions(SPLITS, "clustering", shuffle=False)
    values = predictions.column("prediction").to_numpy().astype(float)
    values[first_where(predictions, row_id=1)] = 0.5
    rejected(
        replace(predictions, "prediction", values),
        r"1 cluster labels are missing or not integers \(first: row 1 in repeat 0, "
        r"fold 1 is 0.5\)",
        task_type="clustering",
        classes=None,
    )


def test_missing_required_columns_and_wrong_types() -> None:
    predictions = make_predictions(SPLITS)
    rejected(predictions.drop_columns(["row_id"]), r"the predictions have no column 'row_id'")
    as_text = predictions.column("fold").cast(pa.string())
    rejected(replace(predictions, "fold", as_text), r"column 'fold' must hold integers, got string")
    as_numbers = pa.array(np.zeros(1000, np.int64))
    rejected(
        replace(predictions, "prediction", as_numbers),
        r"column 'prediction' must hold class labels as text, got int64",
    )
    rejected(
        predictions,
        r"must hold numbers for a regression task, got string",
        task_type="supervised_regression",
        classes=None,
    )


# --- files ------------------------------------------------------------------------------------

# What openml-python writes for a 3-class task (liac-arff), trimmed to a 6-row dataset
# evaluated with 2-fold cross-validation.
OPENML_ARFF = """@RELATION openml_task_59_predictions

@ATTRIBUTE repeat NUMERIC
@ATTRIBUTE fold NUMERIC
@ATTRIBUTE row_id NUMERIC
@ATTRIBUTE confidence.Iris-setosa NUMERIC
@ATTRIBUTE confidence.Iris-versicolor NUMERIC
@ATTRIBUTE confidence.Iris-virginica NUMERIC
@ATTRIBUTE prediction {Iris-setosa, Iris-versicolor, Iris-virginica}
@ATTRIBUTE correct {Iris-setosa, Iris-versicolor, Iris-virginica}

@DATA
0,0,0,1.0,0.0,0.0,Iris-setosa,Iris-setosa
0,0,2,0.0,0.2,0.8,Iris-virginica,Iris-virginica
0,0,4,0.0,0.9,0.1,Iris-versicolor,Iris-versicolor
0,1,1,0.9,0.1,0.0,Iris-setosa,Iris-setosa
0,1,3,0.0,0.6,0.4,Iris-versicolor,Iris-virginica
0,1,5,0.1,0.3,0.6,Iris-virginica,Iris-versicolor
"""
IRIS = ("Iris-setosa", "Iris-versicolor", "Iris-virginica")


def test_openml_predictions_arff_is_read_and_validates() -> None:
    table = read_predictions(io.BytesIO(OPENML_ARFF.encode()), "arff")
    assert table.column_names == [
        "repeat",
        "fold",
        "sample",
        "row_id",
        "prediction",
        "confidence.Iris-setosa",
        "confidence.Iris-versicolor",
        "confidence.Iris-virginica",
    ]
    assert table.schema.field("fold").type == pa.int32()
    assert table.schema.field("row_id").type == pa.int64()
    assert table.column("sample").to_pylist() == [0] * 6
    assert table.schema.field("prediction").type == pa.string()
    valid = validate(table, make_splits(6, folds=2), classes=IRIS)
    assert valid.labels.tolist() == [0, 2, 1, 0, 1, 2]
    assert valid.probabilities[4].tolist() == [0.0, 0.6, 0.4]


def test_openml_regression_and_clustering_arff(tmp_path: Path) -> None:
    regression = (
        "@relation r\n@attribute repeat numeric\n@attribute fold numeric\n"
        "@attribute row_id numeric\n@attribute prediction numeric\n@attribute truth numeric\n"
        "@data\n0,0,0,1.5,1.0\n0,1,1,-2,0.0\n"
    )
    path = tmp_path / "predictions.arff"
    path.write_text(regression)
    table = read_predictions(path, "arff")
    assert table.column_names == ["repeat", "fold", "sample", "row_id", "prediction"]
    assert table.column("prediction").to_pylist() == [1.5, -2.0]
    valid = validate(table, make_splits(2, folds=2), "supervised_regression", None)
    assert valid.values.tolist() == [1.5, -2.0]
    clustering = regression.replace(
        "prediction numeric\n@attribute truth numeric", "cluster numeric"
    )
    clustering = clustering.replace("1.5,1.0", "3").replace("-2,0.0", "1")
    table = read_predictions(io.BytesIO(clustering.encode()), "arff")
    valid = validate(table, make_splits(2, folds=2), "clustering", None)
    assert valid.labels.tolist() == [3, 1]


def test_parquet_predictions_are_read(tmp_path: Path) -> None:
    predictions = make_predictions(SPLITS)
    predictions = replace(predictions, "fold", predictions.column("fold").cast(pa.int64()))
    path = tmp_path / "predictions.parquet"
    pq.write_table(predictions, path)
    table = read_predictions(path, "parquet")
    assert table.schema.field("fold").type == pa.int32()
    assert len(validate(table, SPLITS)) == 1000


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("@relation x\n@attribute repeat numeric\n@data\n0\n", r"no column 'fold', 'row_id'"),
        (OPENML_ARFF.replace("0,1,3,", "0,1.5,3,"), r"'fold' must hold whole numbers.*file row 4"),
        (OPENML_ARFF.replace("@DATA", "@DATA\n1,2"), r"line \d+"),
        # 2**32 would wrap round to repeat 0; 1e20 does not fit any integer.
        (OPENML_ARFF.replace("\n0,0,0,", "\n4294967296,0,0,"), r"'repeat'.*beyond 2147483647"),
        (OPENML_ARFF.replace("\n0,0,0,", "\n0,0,1e20,"), r"'row_id'.*beyond"),
        ("", r"empty"),
    ],
)
def test_bad_arff_files_are_malformed(text: str, match: str) -> None:
    with pytest.raises(InvalidInput, match=match) as info:
        read_predictions(io.BytesIO(text.encode()), "arff")
    assert info.value.code in (ErrorCode.MALFORMED_FILE, ErrorCode.EMPTY_FILE)


def test_garbage_parquet_is_malformed() -> None:
    with pytest.raises(InvalidInput, match="not a readable Parquet file") as info:
        read_predictions(io.BytesIO(b"PAR1 not really"), "parquet")
    assert info.value.code == ErrorCode.MALFORMED_FILE


def test_reading_predictions_keeps_row_id_without_the_validator_imported(tmp_path: Path) -> None:
    # A fresh interpreter that imports only the reader: its columns must not depend on which
    # other module happened to be imported first.
    path = tmp_path / "predictions.parquet"
    pq.write_table(pa.table({"repeat": [0], "fold": [0], "row_id": [3], "prediction": ["a"]}), path)
    script = (
        "import sys\n"
        "from mlhive.server.domain.experiments.predictions_io import read_predictions\n"
        "table = read_predictions(sys.argv[1], 'parquet')\n"
        "print(','.join(table.column_names), table.schema.field('row_id').type)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["repeat,fold,sample,row_id,prediction", "int64"]
