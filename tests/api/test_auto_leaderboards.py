"""``auto_automl_budget``: every processed dataset with a default target gets its standard task,
baseline runs and an AutoML search, owned by its uploader (and private with it)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mlhive.server.config import Settings
from mlhive.server.wiring import Hive
from tests.api.conftest import Upload
from tests.conftest import UserKey
from tests.unit.services.automl.automl_world import mixed_csv, regression_csv

BUDGET = 20.0


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings with the automatic leaderboards on (``BUDGET`` s), unless a test
    asks for another budget with ``@pytest.mark.parametrize("settings", [...], indirect=True)``."""
    budget = getattr(request, "param", BUDGET)
    return settings.model_copy(update={"auto_automl_budget": budget})


def _dataset(upload: Upload, user: UserKey, csv: str, **meta: object) -> int:
    answer = upload(user, csv, **meta)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_a_new_dataset_arrives_with_a_task_baselines_and_a_finished_automl_search(
    http: TestClient, hive: Hive, upload: Upload, alice: UserKey
) -> None:
    dataset_id = _dataset(
        upload, alice, mixed_csv(120), name="mixed", default_target_attribute="label"
    )
    queued = http.get(f"/api/datasets/{dataset_id}/automation", headers=alice.headers).json()
    assert queued["state"] == "queued" and queued["time_budget"] == BUDGET
    hive.worker.drain()
    made = http.get(f"/api/datasets/{dataset_id}/automation", headers=alice.headers).json()
    assert made["state"] == "done", made["reason"]
    task = http.get(f"/api/tasks/{made['task_id']}").json()
    assert task["task_type"] == "supervised_classification" and task["target"] == "label"
    assert task["estimation_procedure"]["id"] == 1 and task["uploader"] == alice.name
    assert len(made["baseline_run_ids"]) == 3
    search = http.get(f"/api/automl/{made['search_id']}", headers=alice.headers).json()
    assert made["search_state"] == search["state"] == "done", search["error"]
    assert search["time_budget"] == BUDGET
    assert any(t["state"] == "complete" for t in search["trials"]), search["trials"]
    board = http.get(f"/api/tasks/{made['task_id']}/leaderboard", params={"by": "setup"}).json()
    on_board = {entry["run_id"] for entry in board["entries"]}
    assert set(made["baseline_run_ids"]) <= on_board
    found = {t["run_id"] for t in search["trials"] if t["run_id"]} | {search["ensemble_run_id"]}
    assert on_board & found  # the search's best setup is on the leaderboard
    dummy = http.get(f"/api/runs/{made['baseline_run_ids'][0]}").json()
    assert "DummyClassifier" in dummy["flow_name"] and dummy["uploader"] == alice.name
    # Someone else sees the public task and runs, but not the owner's search.
    seen = http.get(f"/api/datasets/{dataset_id}/automation").json()
    assert seen["task_id"] == made["task_id"] and seen["search_id"] is None


def test_reprocessing_a_dataset_makes_nothing_twice(
    http: TestClient, hive: Hive, upload: Upload, alice: UserKey
) -> None:
    dataset_id = _dataset(
        upload, alice, regression_csv(80), name="lines", default_target_attribute="y"
    )
    hive.worker.drain()
    first = http.get(f"/api/datasets/{dataset_id}/automation").json()
    assert first["state"] == "done", first["reason"]
    from mlhive.server.db.engine import transaction
    from mlhive.server.db.tables.datasets import Dataset
    from mlhive.server.services.datasets import processing

    with transaction(hive.sessions) as session:  # what processing does when it runs again
        dataset = session.get_one(Dataset, dataset_id)
        processing.queue_auto_leaderboard(session, hive.settings, dataset)
    hive.worker.drain()
    again = http.get(f"/api/datasets/{dataset_id}/automation").json()
    assert again == first
    runs = http.get("/api/runs", params={"task": first["task_id"], "limit": 1000}).json()["items"]
    baselines = [r for r in runs if "baseline" in r["tags"]]
    assert len(baselines) == 3
    tasks = http.get("/api/tasks", params={"dataset_id": dataset_id}).json()["items"]
    assert len(tasks) == 1


def test_everything_made_for_a_private_dataset_is_private(
    http: TestClient, hive: Hive, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    dataset_id = _dataset(
        upload, alice, mixed_csv(90), name="secret", default_target_attribute="label",
        visibility="private",
    )  # fmt: skip
    hive.worker.drain()
    made = http.get(f"/api/datasets/{dataset_id}/automation", headers=alice.headers).json()
    assert made["state"] == "done", made["reason"]
    search = http.get(f"/api/automl/{made['search_id']}", headers=alice.headers).json()
    assert search["state"] == "done", search["error"]
    assert http.get(f"/api/automl/{made['search_id']}", headers=bob.headers).status_code == 404
    # What the search made (none of it when a loaded machine let no trial finish in time).
    made_runs = [t["run_id"] for t in search["trials"] if t["run_id"]]
    for headers in ({}, bob.headers):
        assert (
            http.get(f"/api/datasets/{dataset_id}/automation", headers=headers).status_code == 404
        )
        assert http.get(f"/api/tasks/{made['task_id']}", headers=headers).status_code == 404
        for run_id in [*made["baseline_run_ids"], *made_runs]:
            assert http.get(f"/api/runs/{run_id}", headers=headers).status_code == 404
        if search["study_id"]:
            study = http.get(f"/api/studies/{search['study_id']}", headers=headers)
            assert study.status_code == 404
    for run_id in [*made["baseline_run_ids"], *made_runs]:
        assert http.get(f"/api/runs/{run_id}", headers=alice.headers).status_code == 200
    board = http.get(f"/api/tasks/{made['task_id']}/leaderboard", headers=alice.headers).json()
    assert len(board["entries"]) >= 3  # the owner sees the baselines on the leaderboard


def test_a_dataset_without_a_default_target_gets_nothing_and_says_why(
    http: TestClient, hive: Hive, upload: Upload, alice: UserKey
) -> None:
    dataset_id = _dataset(
        upload, alice, regression_csv(40), name="untargeted", default_target_attribute=None
    )
    hive.worker.drain()
    status = http.get(f"/api/datasets/{dataset_id}/automation").json()
    assert status["state"] == "skipped"
    assert (
        "no default target" in status["reason"] and "default_target_attribute" in status["reason"]
    )
    assert status["task_id"] is None and status["baseline_run_ids"] == []
    assert http.get("/api/tasks", params={"dataset_id": dataset_id}).json()["items"] == []
    shown = http.get(f"/datasets/{dataset_id}").text  # the dataset's page says it too
    assert "Automatic leaderboard: <strong>skipped</strong>" in shown
    assert "has no default target attribute" in shown


@pytest.mark.parametrize("settings", [0.0], indirect=True)
def test_with_the_setting_off_nothing_is_made(
    http: TestClient, hive: Hive, upload: Upload, alice: UserKey
) -> None:
    dataset_id = _dataset(
        upload, alice, regression_csv(40), name="quiet", default_target_attribute="y"
    )
    hive.worker.drain()
    status = http.get(f"/api/datasets/{dataset_id}/automation").json()
    assert status["state"] == "off" and "auto_automl_budget is 0" in status["reason"]
    assert http.get("/api/tasks", params={"dataset_id": dataset_id}).json()["items"] == []
    assert http.get("/api/runs", params={"limit": 10}).json()["items"] == []


def test_a_failure_is_recorded_where_the_owner_sees_it_and_the_upload_is_untouched(
    http: TestClient, hive: Hive, upload: Upload, alice: UserKey
) -> None:
    one_class = "x,label\n" + "".join(f"{i},yes\n" for i in range(30))  # nothing to learn
    dataset_id = _dataset(
        upload, alice, one_class, name="one-class", default_target_attribute="label"
    )
    hive.worker.drain()
    dataset = http.get(f"/api/datasets/{dataset_id}").json()
    assert dataset["processing"] == "done" and dataset["status"] == "active"
    status = http.get(f"/api/datasets/{dataset_id}/automation", headers=alice.headers).json()
    assert status["state"] == "failed" and "class" in status["reason"]
    assert status["task_id"] is not None and status["search_id"] is None
    assert len(status["baseline_run_ids"]) == 1  # the dummy was made before the failure
    assert (
        "Automatic leaderboard: <strong>failed</strong>" in http.get(f"/datasets/{dataset_id}").text
    )
