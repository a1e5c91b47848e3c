"""Benchmark suites and studies through the real openml-python client."""

from __future__ import annotations

import openml
import pytest
from openml.exceptions import OpenMLServerException


def test_suite_create_get_by_alias_attach_detach_list(classification_task: int) -> None:
    suite = openml.study.create_benchmark_suite(
        name="compat suite", description="tasks", task_ids=[classification_task],
        alias="compat-suite",
    ).publish()  # fmt: skip
    by_alias = openml.study.get_suite("compat-suite")
    assert (by_alias.id, by_alias.tasks, by_alias.status) == (
        suite.id,
        [classification_task],
        "in_preparation",
    )
    assert openml.study.detach_from_suite(suite.id, [classification_task]) == 0
    assert openml.study.get_suite(suite.id).tasks is None
    assert openml.study.attach_to_suite(suite.id, [classification_task]) == 1
    in_preparation = openml.study.list_suites(status="in_preparation", output_format="dataframe")
    assert suite.id in set(in_preparation["id"])
    openml.study.update_suite_status(suite.id, "active")
    listed = openml.study.list_suites(output_format="dataframe")
    assert suite.id in set(listed["id"])
    assert "compat-suite" in set(listed["alias"])


def test_study_of_runs(classification_task: int) -> None:
    import test_runs

    task = openml.tasks.get_task(classification_task)
    runs = openml.runs.list_runs(task=[classification_task], output_format="dataframe")
    run_ids = [int(r) for r in runs["run_id"]]
    if not run_ids:  # this module run alone: make one
        run = openml.runs.run_model_on_task(test_runs._model(), task).publish()
        run_ids = [int(run.run_id)]
    study = openml.study.create_study(
        name="compat study", description="runs", run_ids=run_ids, alias="compat-study"
    ).publish()
    fetched = openml.study.get_study("compat-study")
    assert fetched.runs == run_ids
    assert fetched.tasks == [classification_task]
    assert fetched.data == [task.dataset_id]
    assert openml.study.detach_from_study(study.id, run_ids) == 0
    assert openml.study.attach_to_study(study.id, run_ids) == len(run_ids)
    studies = openml.study.list_studies(status="all", output_format="dataframe")
    assert study.id in set(studies["id"])
    assert openml.study.delete_study(study.id)
    with pytest.raises(OpenMLServerException) as missing:
        openml.study.get_study(study.id)
    assert missing.value.code == 601
