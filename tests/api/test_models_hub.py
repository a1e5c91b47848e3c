"""The forge as a model hub: formats stay put along a history, cards know their task."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression

from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.api.forge import Push, make_repo, random_tensors, skops_bytes, tensors_bytes
from tests.conftest import UserKey

FRAME = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
X, Y = FRAME[["x1", "x2"]], FRAME["label"].astype(str)


def test_switching_formats_along_a_branch_is_refused_unless_asked_for(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    make_repo(http, alice, "net")
    first = push(alice, "alice/net", tensors_bytes(random_tensors(2, 4)))
    assert first.status_code == 201
    model = skops_bytes(LogisticRegression().fit(X, Y))
    refused = push(alice, "alice/net", model, "model.skops")
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "safetensors" in detail and "skops" in detail and "allow_format_change" in detail
    assert http.get("/api/models/alice/net/commits/main").json()["id"] == first.json()["id"]
    new_branch = push(alice, "alice/net", model, "model.skops", branch="sk")
    assert new_branch.status_code == 409  # a new branch starts from main's head: same rule
    allowed = push(alice, "alice/net", model, "model.skops", allow_format_change=True)
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["format"] == "skops" and allowed.json()["parents"] == [first.json()["id"]]


def test_a_card_without_lineage_gets_the_repository_task_and_its_dataset(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    pushed = push(alice, "alice/clf", skops_bytes(LogisticRegression().fit(X, Y)), "model.skops")
    assert pushed.status_code == 201, pushed.text
    card = http.get("/api/models/alice/clf/card").json()
    assert card["lineage"]["task_id"] == task["id"]
    assert card["lineage"]["dataset_id"] == dataset
    markdown = http.get("/api/models/alice/clf/card", params={"format": "md"}).text
    assert f"task {task['id']}" in markdown and f"dataset {dataset}" in markdown
    assert "LogisticRegression" in markdown  # what the model is, in the body too


def test_a_repository_with_several_tasks_leaves_lineage_to_the_pusher(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    one = create_task(http, alice, dataset, "supervised_classification", 1)
    two = create_task(http, alice, dataset, "supervised_classification", 5)
    make_repo(http, alice, "clf", task_ids=[one["id"], two["id"]])
    push(alice, "alice/clf", skops_bytes(LogisticRegression().fit(X, Y)), "model.skops")
    assert http.get("/api/models/alice/clf/card").json()["lineage"]["task_id"] is None
