"""Tasks through the real openml-python client: create, splits equal to mlhive's own, list,
duplicates (614), tags, delete."""

from __future__ import annotations

import io

import numpy as np
import openml
import pyarrow.parquet as pq
import pytest
from openml.exceptions import OpenMLServerException

from conftest import Server


def test_splits_equal_mlhive_own(server: Server, classification_task: int) -> None:
    task = openml.tasks.get_task(classification_task, download_splits=True)
    assert task.target_name == "label"
    assert task.class_labels == ["a", "b"]
    assert task.estimation_procedure["type"] == "crossvalidation"
    assert task.get_split_dimensions() == (1, 10, 1)
    train, test = task.get_train_test_split_indices(fold=3, repeat=0)
    table = pq.read_table(io.BytesIO(server.native(f"/api/tasks/{classification_task}/splits")))
    rows = table.to_pandas()
    fold = rows[(rows["repeat"] == 0) & (rows["fold"] == 3)]
    assert np.array_equal(train, fold[fold["type"] == "TRAIN"]["rowid"].to_numpy())
    assert np.array_equal(test, fold[fold["type"] == "TEST"]["rowid"].to_numpy())
    assert len(set(train) & set(test)) == 0 and len(train) + len(test) == 150


def test_list_tasks_with_filters(classification_task: int) -> None:
    task = openml.tasks.get_task(classification_task)
    listed = openml.tasks.list_tasks(
        task_type=openml.tasks.TaskType.SUPERVISED_CLASSIFICATION, output_format="dataframe"
    )
    row = listed.set_index("tid").loc[classification_task]
    assert row["did"] == task.dataset_id
    assert row["estimation_procedure"] == "10-fold Crossvalidation"
    assert row["target_feature"] == "label"
    assert row["NumberOfInstances"] == 150
    by_data = openml.tasks.list_tasks(data_id=task.dataset_id, output_format="dataframe")
    assert list(by_data["tid"]) == [classification_task]
    none = openml.tasks.list_tasks(
        task_type=openml.tasks.TaskType.SUPERVISED_REGRESSION, output_format="dataframe"
    )
    assert none.empty


def test_an_identical_task_is_614_with_its_id(classification_task: int) -> None:
    existing = openml.tasks.get_task(classification_task)
    again = openml.tasks.create_task(
        task_type=openml.tasks.TaskType.SUPERVISED_CLASSIFICATION,
        dataset_id=existing.dataset_id,
        target_name="label",
        estimation_procedure_id=1,
        evaluation_measure="predictive_accuracy",
    )
    with pytest.raises(OpenMLServerException) as duplicate:
        again.publish()
    assert duplicate.value.code == 614
    assert duplicate.value.message.endswith(f"matched id(s): [{classification_task}]")


def test_tag_untag_and_delete_a_task(classification_task: int) -> None:
    existing = openml.tasks.get_task(classification_task)
    holdout = openml.tasks.create_task(
        task_type=openml.tasks.TaskType.SUPERVISED_CLASSIFICATION,
        dataset_id=existing.dataset_id,
        target_name="label",
        estimation_procedure_id=6,
    ).publish()
    holdout.push_tag("compat-holdout")
    tagged = openml.tasks.list_tasks(tag="compat-holdout", output_format="dataframe")
    assert list(tagged["tid"]) == [holdout.id]
    holdout.remove_tag("compat-holdout")
    assert openml.tasks.delete_task(holdout.id)
    with pytest.raises(OpenMLServerException) as missing:
        openml.tasks.get_task(holdout.id)
    assert missing.value.code == 151


def test_estimation_procedures_are_openml_s() -> None:
    procedures = {p["id"]: p for p in openml.tasks.functions._get_estimation_procedure_list()}
    assert procedures[1]["name"] == "10-fold Crossvalidation"
    assert procedures[1]["task_type_id"] == openml.tasks.TaskType.SUPERVISED_CLASSIFICATION
