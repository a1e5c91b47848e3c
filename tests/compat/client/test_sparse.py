"""A sparse dataset through the real openml-python client: a sparse DataFrame uploaded as
sparse ARFF, described as ``Sparse_ARFF``, read back sparse from the ARFF file and dense from
the Parquet file, with qualities, and a task and a scored run on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import openml
import pandas as pd
import pytest
import scipy.sparse
from sklearn.linear_model import LogisticRegression

ROWS, COLUMNS = 160, 40


def _matrix() -> tuple[scipy.sparse.csr_matrix, np.ndarray]:
    features = scipy.sparse.random(ROWS, COLUMNS, density=0.08, random_state=3, format="csr")
    # The class follows the first five features, so a linear model learns it.
    label = (np.asarray(features[:, :5].sum(axis=1)).ravel() > 0.15).astype(float)
    return features, label


@pytest.fixture(scope="module")
def uploaded(until: Any) -> tuple[int, openml.datasets.OpenMLDataset]:
    features, label = _matrix()
    frame = pd.DataFrame.sparse.from_spmatrix(features, columns=[f"w{i}" for i in range(COLUMNS)])
    frame["class"] = pd.arrays.SparseArray(label, fill_value=0.0)
    dataset = openml.datasets.create_dataset(
        name="compat-sparse",
        description="a sparse bag of words",
        creator="mlhive tests",
        contributor=None,
        collection_date="2024",
        language="English",
        licence="CC0",
        attributes={"class": ["0.0", "1.0"]},  # the class is nominal; the rest inferred
        data=frame,
        default_target_attribute="class",
        ignore_attribute=None,
        citation="none",
    )
    assert dataset.format == "sparse_arff"
    dataset.publish()
    dataset_id = int(dataset.id)
    until(
        lambda: len(
            openml.datasets.list_datasets(
                data_id=[dataset_id], status="active", output_format="dataframe"
            )
        )
    )
    return dataset_id, dataset


def test_the_description_and_listing_say_sparse_arff(uploaded: Any) -> None:
    dataset_id, _ = uploaded
    dataset = openml.datasets.get_dataset(dataset_id, download_data=False)
    assert dataset.format.lower() == "sparse_arff"
    listed = openml.datasets.list_datasets(data_id=[dataset_id], output_format="dataframe")
    assert list(listed["format"]) == ["Sparse_ARFF"]


def test_the_arff_file_comes_back_as_uploaded_and_reads_sparse(
    uploaded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset_id, local = uploaded
    monkeypatch.setenv("OPENML_SKIP_PARQUET", "true")
    dataset = openml.datasets.get_dataset(dataset_id, download_data=True, force_refresh_cache=True)
    assert dataset.parquet_file is None
    assert Path(dataset.data_file).read_text(encoding="utf-8") == local._dataset
    x, y, categorical, names = dataset.get_data(target="class")
    assert all(isinstance(dtype, pd.SparseDtype) for dtype in x.dtypes)
    features, label = _matrix()
    assert names == [f"w{i}" for i in range(COLUMNS)]
    assert not any(categorical)
    back = x.sparse.to_coo().tocsr()
    assert back.nnz == features.nnz
    np.testing.assert_allclose(back.toarray(), features.toarray(), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(y), label.astype(int))


def test_the_parquet_file_holds_the_same_values(uploaded: Any) -> None:
    dataset_id, _ = uploaded
    dataset = openml.datasets.get_dataset(dataset_id, download_data=True, force_refresh_cache=True)
    assert dataset.parquet_file is not None
    x, y, _, names = dataset.get_data(target="class")
    features, label = _matrix()
    assert names == [f"w{i}" for i in range(COLUMNS)]
    np.testing.assert_allclose(x.to_numpy(dtype=float), features.toarray())
    assert [str(v) for v in y] == [str(v) for v in label]


def test_qualities_are_computed(uploaded: Any) -> None:
    dataset_id, _ = uploaded
    qualities = openml.datasets.get_dataset(dataset_id, download_qualities=True).qualities
    assert qualities["NumberOfInstances"] == ROWS
    assert qualities["NumberOfFeatures"] == COLUMNS + 1
    assert qualities["NumberOfNumericFeatures"] == COLUMNS
    assert qualities["NumberOfClasses"] == 2
    assert qualities["NumberOfMissingValues"] == 0


def test_a_task_and_a_run_on_sparse_data_are_scored(uploaded: Any, until: Any) -> None:
    dataset_id, _ = uploaded
    task = openml.tasks.create_task(
        task_type=openml.tasks.TaskType.SUPERVISED_CLASSIFICATION,
        dataset_id=dataset_id,
        target_name="class",
        estimation_procedure_id=1,
        evaluation_measure="predictive_accuracy",
    )
    task.publish()
    task = openml.tasks.get_task(int(task.id))
    assert task.class_labels == ["0.0", "1.0"]
    # openml-python 0.15.1 runs models on the DataFrame it reads from the Parquet file (on the
    # sparse matrix of the ARFF file its class labels would be codes, which it cannot match).
    run = openml.runs.run_model_on_task(LogisticRegression(C=100.0), task)
    run.publish()
    run_id = int(run.run_id)
    fetched = until(lambda: openml.runs.get_run(run_id, ignore_cache=True).evaluations and
                    openml.runs.get_run(run_id, ignore_cache=True))  # fmt: skip
    per_fold = fetched.fold_evaluations["predictive_accuracy"][0]
    assert sorted(per_fold) == list(range(10))
    assert fetched.evaluations["predictive_accuracy"] == pytest.approx(sum(per_fold.values()) / 10)
    assert fetched.evaluations["predictive_accuracy"] > 0.6
