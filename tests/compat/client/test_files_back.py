"""Files come back as they went in: what openml-python uploads through the OpenML face (a
dataset's description and ARFF file, a run's predictions and trace, a flow) it reads back
equal to what it sent."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import arff
import numpy as np
import openml
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import ExtraTreeClassifier

from conftest import publish_frame


def _searched_model() -> object:
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["colour"]), remainder="passthrough"
    )
    tree = make_pipeline(encode, SimpleImputer(), ExtraTreeClassifier(random_state=3))
    return GridSearchCV(tree, {"extratreeclassifier__max_depth": [1, 2, 4]}, cv=2)


@pytest.fixture(scope="module")
def own_task() -> int:
    """A task of this module's own (the runs of test_runs.py are alone on theirs)."""
    rng = np.random.default_rng(5)
    x1 = rng.normal(size=120)
    frame = pd.DataFrame(
        {
            "x1": x1,
            "x2": rng.normal(size=120),
            "colour": pd.Categorical(rng.choice(["red", "green", "blue"], size=120)),
            "label": pd.Categorical(np.where(x1 > 0, "up", "down")),
        }
    )
    frame.loc[::13, "x2"] = np.nan
    dataset_id = publish_frame(frame, "compat-files-back-task", "label")
    task = openml.tasks.create_task(
        task_type=openml.tasks.TaskType.SUPERVISED_CLASSIFICATION,
        dataset_id=dataset_id,
        target_name="label",
        estimation_procedure_id=1,
        evaluation_measure="predictive_accuracy",
    )
    task.publish()
    return int(task.id)


@pytest.fixture(scope="module")
def published(own_task: int, until: Any) -> tuple[Any, int]:
    task = openml.tasks.get_task(own_task)
    run = openml.runs.run_model_on_task(_searched_model(), task, avoid_duplicate_runs=False)
    assert run.trace is not None
    run.publish()
    run_id = int(run.run_id)
    until(lambda: openml.runs.get_run(run_id, ignore_cache=True).evaluations)
    return run, run_id


def _download(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return str(response.read().decode("utf-8"))


def test_predictions_come_back_byte_for_byte(published: Any) -> None:
    local, run_id = published
    fetched = openml.runs.get_run(run_id, ignore_cache=True)
    assert fetched.predictions_url
    sent = arff.dumps(local._generate_arff_dict())
    assert _download(fetched.predictions_url) == sent
    # The values are those sent (the ARFF file declares the ids NUMERIC, hence floats).
    pd.testing.assert_frame_equal(fetched.predictions, local.predictions, check_dtype=False)


def test_the_trace_comes_back_with_every_iteration(published: Any) -> None:
    local, run_id = published
    trace = openml.runs.get_run_trace(run_id)
    assert int(trace.run_id) == run_id
    sent = local.trace.trace_iterations
    assert set(trace.trace_iterations) == set(sent)
    assert len(sent) == 10 * 3  # 10 folds, 3 candidates each
    for key, iteration in sent.items():
        back = trace.trace_iterations[key]
        assert back.evaluation == pytest.approx(iteration.evaluation)
        assert back.selected == iteration.selected
        # Sent as the JSON text of each value; read back (from OpenML's XML) decoded.
        sent_values = {k: json.loads(v) for k, v in iteration.get_parameters().items()}
        assert back.get_parameters() == sent_values


def test_the_trace_file_comes_back_byte_for_byte(server: Any, published: Any) -> None:
    local, run_id = published
    sent = arff.dumps(local.trace.trace_to_arff())
    assert _download(f"{server.url}/data/v1/runs/{run_id}/trace.arff") == sent


def test_the_run_description_comes_back(published: Any) -> None:
    local, run_id = published
    fetched = openml.runs.get_run(run_id, ignore_cache=True)
    assert (fetched.task_id, fetched.flow_id, fetched.setup_id) == (
        local.task_id,
        local.flow_id,
        local.setup_id or fetched.setup_id,
    )
    sent = {(p["oml:name"], p["oml:value"], p["oml:component"]) for p in local.parameter_settings}
    back = {
        (p["oml:name"], p["oml:value"], int(p["oml:component"])) for p in fetched.parameter_settings
    }
    # Every setting sent comes back; the server's setup also names the flow's other
    # parameters (here GridSearchCV's estimator, a component reference), as OpenML's does.
    assert {(name, value, int(component)) for name, value, component in sent} <= back
    assert set(local.tags or []) <= set(fetched.tags)


def test_the_flow_comes_back(published: Any) -> None:
    local, _ = published
    flow = openml.flows.get_flow(local.flow_id)
    openml.flows.functions.assert_flows_equal(
        local.flow,
        flow,
        ignore_parameter_values_on_older_children=None,
        ignore_custom_name_if_none=True,
    )


def test_the_dataset_description_and_file_come_back(
    until: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = pd.DataFrame(
        {
            "size": [1.5, 2.25, 3.0, 0.125] * 5,
            "kind": pd.Categorical(["b", "a", "b", "c"] * 5),
            "note": ["é", "x y", "it's", "%"] * 5,
        }
    )
    local = openml.datasets.create_dataset(
        name="compat-files-back",
        description="a dataset that must come back as it went in",
        creator=["Ada", "Grace"],
        contributor="Edsger",
        collection_date="2023-05",
        language="English",
        licence="CC-BY",
        attributes="auto",
        data=frame,
        default_target_attribute="kind",
        ignore_attribute=None,
        citation="Ada et al.",
        original_data_url="https://example.org/data",
        paper_url="https://example.org/paper",
    )
    local.publish()
    dataset_id = int(local.id)
    until(
        lambda: len(
            openml.datasets.list_datasets(
                data_id=[dataset_id], status="active", output_format="dataframe"
            )
        )
    )
    monkeypatch.setenv("OPENML_SKIP_PARQUET", "true")  # the ARFF file, not the Parquet one
    back = openml.datasets.get_dataset(dataset_id, download_data=True)
    for field in (
        "name",
        "description",
        "creator",
        "contributor",
        "collection_date",
        "language",
        "licence",
        "default_target_attribute",
        "citation",
        "original_data_url",
        "paper_url",
    ):
        assert getattr(back, field) == getattr(local, field), field
    assert back.format.lower() == local.format  # OpenML describes it as "ARFF"
    assert Path(back.data_file).read_text(encoding="utf-8") == local._dataset
