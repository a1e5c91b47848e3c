"""A public suite or study lists only the members the viewer may see, on every face."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from tests.api.experiments import (
    CLASSIFICATION_CSV,
    LABELS,
    classification_predictions,
    create_task,
    publish,
    submit_run,
    upload_flow,
)
from tests.conftest import UserKey


def _private_task(http: TestClient, user: UserKey, run_jobs: Callable[[], int]) -> dict[str, Any]:
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", CLASSIFICATION_CSV.encode())},
        data={
            "metadata": json.dumps(
                {"name": "hidden", "default_target_attribute": "label", "visibility": "private"}
            )
        },
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    run_jobs()
    return create_task(http, user, created.json()["id"], "supervised_classification", 1)


def _collection(http: TestClient, user: UserKey, kind: str, ids: list[int]) -> dict[str, Any]:
    field = "task_ids" if kind == "suites" else "run_ids"
    body = {"name": f"mixed {kind}", field: ids}
    created = http.post(f"/api/{kind}", json=body, headers=user.headers)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def test_a_public_suite_hides_a_private_task_from_others(
    http: TestClient, alice: UserKey, bob: UserKey, admin: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    public = create_task(http, alice, dataset, "supervised_classification", 1)
    secret = _private_task(http, alice, run_jobs)
    suite = _collection(http, alice, "suites", [public["id"], secret["id"]])
    assert suite["task_ids"] == [public["id"], secret["id"]]  # its creator sees both

    path = f"/api/suites/{suite['id']}"
    assert http.get(path).json()["task_ids"] == [public["id"]]
    assert http.get(path, headers=bob.headers).json()["task_ids"] == [public["id"]]
    assert http.get(path, headers=admin.headers).json()["task_ids"] == [public["id"], secret["id"]]
    listed = http.get("/api/suites").json()["items"]
    assert [s["task_ids"] for s in listed] == [[public["id"]]]

    document = http.get(f"/api/v1/xml/study/{suite['id']}")
    assert document.status_code == 200, document.text
    assert f"<oml:task_id>{public['id']}</oml:task_id>" in document.text
    assert f"<oml:task_id>{secret['id']}</oml:task_id>" not in document.text
    assert f"<oml:data_id>{dataset}</oml:data_id>" in document.text

    page = http.get(f"/suites/{suite['id']}")
    assert page.status_code == 200 and f"task {secret['id']}" not in page.text


def test_a_public_study_hides_a_run_on_a_private_task_from_others(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    flow = upload_flow(http, alice)
    run_ids = []
    for task in (
        create_task(http, alice, dataset, "supervised_classification", 1),
        _private_task(http, alice, run_jobs),
    ):
        raw = http.get(f"/api/tasks/{task['id']}/splits", headers=alice.headers).content
        table = pq.read_table(io.BytesIO(raw))
        preds = classification_predictions(table, task["class_labels"], LABELS)
        run_ids.append(submit_run(http, alice, task["id"], flow["id"], preds).json()["id"])
    study = _collection(http, alice, "studies", run_ids)
    assert study["run_ids"] == run_ids

    path = f"/api/studies/{study['id']}"
    assert http.get(path, headers=bob.headers).json()["run_ids"] == run_ids[:1]
    document = http.get(f"/api/v1/xml/study/{study['id']}")
    assert document.status_code == 200, document.text
    assert f"<oml:run_id>{run_ids[0]}</oml:run_id>" in document.text
    assert f"<oml:run_id>{run_ids[1]}</oml:run_id>" not in document.text
    listing = http.get("/studies").text
    assert '<td class="num">1</td>' in listing.replace("\n", "")
