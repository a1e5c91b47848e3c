"""Runs, flows, setups and evaluations through the real openml-python client."""

from __future__ import annotations

import openml
import pytest
from openml.exceptions import OpenMLRunsExistError
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

from conftest import Server


def _model() -> object:
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["colour"]), remainder="passthrough"
    )
    return make_pipeline(
        encode, SimpleImputer(), DecisionTreeClassifier(max_depth=3, random_state=7)
    )


@pytest.fixture(scope="module")
def run_id(classification_task: int, until: object) -> int:
    task = openml.tasks.get_task(classification_task)
    run = openml.runs.run_model_on_task(_model(), task, avoid_duplicate_runs=True)
    run.publish()
    run_id = int(run.run_id)
    until(lambda: openml.runs.get_run(run_id, ignore_cache=True).evaluations)  # type: ignore[operator]
    return run_id


def test_the_run_shows_the_server_s_evaluations(run_id: int, classification_task: int) -> None:
    run = openml.runs.get_run(run_id, ignore_cache=True)
    assert run.task_id == classification_task
    accuracy = run.evaluations["predictive_accuracy"]
    per_fold = run.fold_evaluations["predictive_accuracy"][0]
    assert sorted(per_fold) == list(range(10))
    assert accuracy == pytest.approx(sum(per_fold.values()) / 10)
    assert 0.5 < accuracy <= 1.0
    assert "openml-python" in run.tags
    predictions = run.predictions
    assert len(predictions) == 150


def test_list_evaluations_per_fold_and_sorted(run_id: int, classification_task: int) -> None:
    listed = openml.evaluations.list_evaluations(
        "predictive_accuracy", tasks=[classification_task], per_fold=True, output_format="object"
    )
    assert list(listed) == [run_id]
    evaluation = listed[run_id]
    assert len(evaluation.values[0]) == 10
    assert evaluation.uploader_name == "admin"
    frame = openml.evaluations.list_evaluations(
        "predictive_accuracy", tasks=[classification_task], sort_order="desc",
        output_format="dataframe",
    )  # fmt: skip
    assert list(frame["run_id"]) == [run_id]
    assert "predictive_accuracy" in openml.evaluations.list_evaluation_measures()


def test_a_second_identical_run_is_a_duplicate(run_id: int, classification_task: int) -> None:
    task = openml.tasks.get_task(classification_task)
    with pytest.raises(OpenMLRunsExistError) as duplicate:
        openml.runs.run_model_on_task(_model(), task, avoid_duplicate_runs=True)
    assert duplicate.value.run_ids == {run_id}
    listed = openml.runs.list_runs(task=[classification_task], output_format="dataframe")
    assert list(listed["run_id"]) == [run_id]


def test_the_flow_rebuilds_an_equivalent_model(run_id: int) -> None:
    run = openml.runs.get_run(run_id)
    flow = openml.flows.get_flow(run.flow_id, reinstantiate=True)
    model = flow.model
    assert type(model).__name__ == "Pipeline"
    assert model.get_params()["decisiontreeclassifier__max_depth"] == 3
    local = openml.extensions.get_extension_by_model(_model()).model_to_flow(_model())
    openml.flows.assert_flows_equal(local, flow, ignore_parameter_values=False,
                                    ignore_custom_name_if_none=True)  # fmt: skip
    assert openml.flows.flow_exists(flow.name, flow.external_version) == run.flow_id
    listed = openml.flows.list_flows(output_format="dataframe")
    assert run.flow_id in set(listed["id"])


def test_setups(run_id: int) -> None:
    run = openml.runs.get_run(run_id)
    setup = openml.setups.get_setup(run.setup_id)
    assert setup.flow_id == run.flow_id
    values = {p.full_name.split("_", 1)[-1]: p.value for p in setup.parameters.values()}
    assert any(p.parameter_name == "max_depth" and p.value == "3"
               for p in setup.parameters.values())  # fmt: skip
    assert values
    listed = openml.setups.list_setups(flow=run.flow_id, output_format="object")
    assert run.setup_id in listed
    model = openml.setups.initialize_model(run.setup_id)
    assert model.get_params()["decisiontreeclassifier__random_state"] == 7


def test_run_tags_trace_absence_and_delete(server: Server, run_id: int) -> None:
    run = openml.runs.get_run(run_id)
    run.push_tag("compat-run")
    assert list(openml.runs.list_runs(tag="compat-run", output_format="dataframe")["run_id"]) == [
        run_id
    ]
    run.remove_tag("compat-run")
    with pytest.raises(openml.exceptions.OpenMLServerException) as no_trace:
        openml.runs.get_run_trace(run_id)
    assert no_trace.value.code == 572
