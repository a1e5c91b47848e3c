"""Documents of the OpenML face that openml-python reads field by field: a task's inputs and
the numbered parameters of a setup."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.api.experiments import (
    CLASSIFICATION_CSV,
    LABELS,
    classification_predictions,
    create_task,
    publish,
    splits,
    submit_run,
)
from tests.conftest import UserKey

API = "/api/v1/xml"
NS = {"oml": "http://openml.org/openml"}


def _get(http: TestClient, path: str) -> ET.Element:
    response = http.get(f"{API}{path}")
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text)


def _inputs(task: ET.Element) -> dict[str, str | None]:
    return {item.get("name") or "": item.text for item in task.findall("oml:input", NS)}


def test_tasks_show_only_the_evaluation_measures_their_creator_declared(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    declared = create_task(
        http, alice, dataset, "supervised_classification", 1, evaluation_measures=["f_measure"]
    )["id"]
    plain = create_task(http, alice, dataset, "supervised_classification", 5)["id"]

    listed = {
        task.findtext("oml:task_id", namespaces=NS): _inputs(task)
        for task in _get(http, f"/task/list/data_id/{dataset}").findall("oml:task", NS)
    }
    assert listed[str(declared)]["evaluation_measures"] == "f_measure"
    assert "evaluation_measures" not in listed[str(plain)]
    assert listed[str(plain)]["estimation_procedure"] == "5"
    measures = _get(http, f"/task/{declared}").findall(".//oml:evaluation_measure", NS)
    assert [m.text for m in measures] == ["f_measure"]
    document = _get(http, f"/task/{plain}")
    assert document.find(".//oml:evaluation_measures", NS) is None
    assert document.findtext("oml:task_name", namespaces=NS) == f"Task {plain}: exp"
    procedure = document.find(".//oml:estimation_procedure", NS)
    assert procedure is not None and procedure.findtext("oml:type", namespaces=NS) == "holdout"


def test_setup_parameters_are_numbered_by_flow_and_position(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    flow = http.post(
        "/api/flows",
        json={
            "name": "test.Two",
            "external_version": "1",
            "parameters": [
                {"name": "alpha", "data_type": "float", "default_value": "1.0"},
                {"name": "beta", "default_value": "2"},
            ],
        },
        headers=alice.headers,
    ).json()["id"]
    predictions = classification_predictions(splits(http, task["id"]), task["class_labels"], LABELS)
    settings = [{"flow_id": flow, "name": "beta", "value": "3"}]
    run = submit_run(http, alice, task["id"], flow, predictions, parameter_settings=settings)
    setup = run.json()["setup_id"]

    parameters = {
        p.findtext("oml:name", namespaces=NS): p
        for p in _get(http, f"/setup/{setup}").findall("oml:parameter", NS)
    }
    assert sorted(parameters) == ["alpha", "beta"]
    beta = parameters["beta"]
    assert beta.findtext("oml:id", namespaces=NS) == str(flow * 10_000 + 1)
    assert beta.findtext("oml:full_name", namespaces=NS) == "test.Two(1)_beta"
    assert (
        beta.findtext("oml:value", namespaces=NS),
        beta.findtext("oml:default_value", namespaces=NS),
    ) == ("3", "2")
    assert parameters["alpha"].findtext("oml:data_type", namespaces=NS) == "float"
    listed = _get(http, f"/setup/list/flow/{flow}").findall("oml:setup", NS)
    assert [s.findtext("oml:setup_id", namespaces=NS) for s in listed] == [str(setup)]
