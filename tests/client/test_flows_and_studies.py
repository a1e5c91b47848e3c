"""``client.flows``, ``client.setups``, ``client.suites`` and ``client.studies`` over the app."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from mlhive import Client, ConflictError, InvalidInputError, NotFoundError, Task
from mlhive.sklearn import DisallowedImportError, estimator_to_flow
from tests.client.experiment_data import publish_classification


@pytest.fixture
def task(client: Client, run_jobs: Callable[[], int]) -> Task:
    dataset = publish_classification(client, run_jobs)
    return client.tasks.create(dataset.id, "classification")


def test_publish_is_idempotent_and_the_flow_rebuilds_any_setup(client: Client, task: Task) -> None:
    model = make_pipeline(StandardScaler(), SVC(C=3.0))
    flow = client.flows.publish(model)
    assert client.flows.publish(estimator_to_flow(make_pipeline(StandardScaler(), SVC()))).id == (
        flow.id
    )
    assert client.flows.exists(flow.name, flow.external_version) == flow.id
    assert client.flows.exists(flow.name, "0.0") is None
    assert [c.identifier for c in client.flows.get(flow.id).components] == ["standardscaler", "svc"]
    assert client.flows.list(name=flow.name)["id"].tolist() == [flow.id]

    run = client.run(make_pipeline(StandardScaler(), SVC(C=7.0)), task, n_jobs=1)
    setup = client.setups.get(run.setup_id)
    assert setup.flow_id == flow.id
    assert flow.to_estimator(setup).get_params()["svc__C"] == 7.0
    assert flow.to_estimator(run.setup_id).get_params()["svc__C"] == 7.0
    assert flow.to_estimator(run).get_params()["svc__C"] == 7.0
    assert flow.to_estimator().get_params()["svc__C"] == 3.0  # the published defaults

    other = client.flows.publish(SVC())
    with pytest.raises(ValueError, match=f"belongs to flow {flow.id}"):
        other.to_estimator(setup)
    with pytest.raises(DisallowedImportError):
        flow.to_estimator(allowed_modules=["sklearn.svm"])

    assert "kernel" in client.flows.tag(other.id, "kernel")
    assert client.flows.list(tag="kernel")["id"].tolist() == [other.id]
    assert "kernel" not in client.flows.untag(other.id, "kernel")
    with pytest.raises(NotFoundError):
        client.flows.get(9999)


def test_suites_collect_tasks_and_studies_collect_runs(client: Client, task: Task) -> None:
    suite = client.suites.create("benchmark", alias="bench", description="two", task_ids=[task.id])
    assert client.suites.get("bench").id == suite.id and suite.task_ids == [task.id]
    other = client.tasks.create(task.dataset_id, estimation_procedure=6)
    assert client.suites.attach("bench", [other.id]).task_ids == [task.id, other.id]
    assert client.suites.detach(suite.id, [task.id]).task_ids == [other.id]
    assert client.suites.set_status("bench", "active").status == "active"
    assert client.suites.list(status="active")["alias"].tolist() == ["bench"]
    assert client.suites.list(status="deactivated").empty
    with pytest.raises(InvalidInputError, match="alias"):
        client.suites.create("bad", alias="1 bad alias")

    run = client.run(SVC(), task, n_jobs=1)
    study = client.studies.create("svm study", run_ids=[run.id])
    assert client.studies.get(study.id).run_ids == [run.id]
    assert client.runs.list(study=study.id)["id"].tolist() == [run.id]
    assert client.studies.list()["kind"].tolist() == ["study"]
    with pytest.raises(ConflictError):
        client.suites.create("again", alias="bench")
    client.suites.delete("bench")
    with pytest.raises(NotFoundError):
        client.suites.get("bench")


def test_the_collection_lists_follow_the_server_s_pages(client: Client) -> None:
    made = [client.studies.create(f"study {i}").id for i in range(5)]
    client.studies.page_size = 2  # three requests
    assert client.studies.list()["id"].tolist() == made
    assert client.studies.list(limit=3)["id"].tolist() == made[:3]
