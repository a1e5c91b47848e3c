"""``GET /api/tasks/{id}/recommendations``: learned from the stored runs of similar tasks."""

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
    submit_run,
    upload_flow,
)
from tests.conftest import UserKey

# The first 60 rows: a similar but not identical dataset.
FEWER_ROWS = "".join(CLASSIFICATION_CSV.splitlines(keepends=True)[:61])


class Hive:
    """Datasets, tasks and flows of one test, and runs made to score as asked."""

    def __init__(self, http: TestClient, user: UserKey, run_jobs: Callable[[], int]) -> None:
        self.http, self.user, self.run_jobs = http, user, run_jobs

    def task(self, csv: str, name: str, user: UserKey | None = None, **meta: Any) -> int:
        owner = user or self.user
        meta = {"name": name, "default_target_attribute": "label", **meta}
        created = self.http.post(
            "/api/datasets",
            files={"file": ("d.csv", csv.encode())},
            data={"metadata": json.dumps(meta)},
            headers=owner.headers,
        )
        assert created.status_code == 201, created.text
        self.run_jobs()
        dataset = int(created.json()["id"])
        return int(create_task(self.http, owner, dataset, "supervised_classification", 1)["id"])

    def run(self, task: int, flow: int, accuracy: float, user: UserKey | None = None) -> int:
        # Both tables hold the first rows of LABELS, so LABELS[rowid] is the truth of either.
        owner = user or self.user
        response = self.http.get(f"/api/tasks/{task}/splits", headers=owner.headers)
        assert response.status_code == 200, response.text
        table = pq.read_table(io.BytesIO(response.content))
        predictions = classification_predictions(table, ["no", "yes"], LABELS, accuracy=accuracy)
        response = submit_run(self.http, owner, task, flow, predictions)
        assert response.status_code == 201, response.text
        self.run_jobs()
        return int(response.json()["id"])


def _recommend(http: TestClient, task: int, user: UserKey | None = None, **params: str) -> Any:
    response = http.get(
        f"/api/tasks/{task}/recommendations", params=params, headers=user.headers if user else {}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_setups_that_did_best_on_similar_tasks_come_first_and_runs_change_them(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    hive = Hive(http, alice, run_jobs)
    target = hive.task(CLASSIFICATION_CSV, "new-data")
    twin = hive.task(CLASSIFICATION_CSV, "same-data")  # the same table: distance 0
    cousin = hive.task(FEWER_ROWS, "fewer-rows")
    good = upload_flow(http, alice, name="test.Good")["id"]
    plain = upload_flow(http, alice, name="test.Plain")["id"]
    good_run = hive.run(twin, good, 0.95)
    hive.run(twin, plain, 0.55)
    hive.run(cousin, good, 0.6)
    hive.run(cousin, plain, 0.9)

    found = _recommend(http, target)
    assert found["measure"] == "predictive_accuracy" and found["higher_is_better"]
    assert [t["task_id"] for t in found["similar_tasks"]] == [twin, cousin]
    assert found["similar_tasks"][0]["weight"] == 1.0 > found["similar_tasks"][1]["weight"]
    assert [f["flow_name"] for f in found["flows"]] == ["test.Good", "test.Plain"]
    best = found["setups"][0]
    assert best["flow_id"] == good and best["rank"] == 1
    evidence = {e["task_id"]: e for e in best["evidence"]}
    assert evidence[twin]["run_id"] == good_run and evidence[twin]["normalised"] == 1.0
    assert evidence[twin]["value"] > 0.85 and evidence[cousin]["normalised"] == 0.0
    # each is the best somewhere: together they cover both tasks
    assert [m["flow_id"] for m in found["portfolio"]] == [good, plain]
    assert found["portfolio"][-1]["value"] == 1.0

    # a better run of the plain flow on the nearest task turns the ranking round
    hive.run(twin, plain, 1.0)
    changed = _recommend(http, target)
    assert [f["flow_name"] for f in changed["flows"]] == ["test.Plain", "test.Good"]
    assert changed["portfolio"][0]["flow_id"] == plain


def test_a_private_similar_task_is_evidence_for_its_owner_only(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    hive = Hive(http, alice, run_jobs)
    target = hive.task(CLASSIFICATION_CSV, "public-data")
    hidden = hive.task(CLASSIFICATION_CSV, "bobs-data", user=bob, visibility="private")
    secret_flow = upload_flow(http, bob, name="test.Secret")["id"]
    hive.run(hidden, secret_flow, 0.9, user=bob)

    for viewer in (None, alice):
        found = _recommend(http, target, viewer)
        assert found["similar_tasks"] == [] and found["setups"] == [] and found["portfolio"] == []
    bobs = _recommend(http, target, bob)
    assert [t["task_id"] for t in bobs["similar_tasks"]] == [hidden]
    assert bobs["setups"][0]["flow_name"] == "test.Secret"


def test_a_measure_the_task_type_lacks_is_refused_naming_the_valid_ones(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    target = Hive(http, alice, run_jobs).task(CLASSIFICATION_CSV, "data")
    response = http.get(f"/api/tasks/{target}/recommendations", params={"measure": "bogus"})
    assert response.status_code == 422
    assert "predictive_accuracy" in response.json()["detail"]
    assert http.get("/api/tasks/2147483647/recommendations").status_code == 404
