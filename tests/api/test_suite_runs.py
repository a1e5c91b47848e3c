"""POST/GET /api/suites/{ref}/runs, ``client.suites.run`` and ``mlhive suite run``."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from mlhive import Client
from mlhive.cli import _common
from mlhive.cli.main import app
from mlhive.client import automl as client_automl
from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.automl import SuiteRun
from mlhive.server.services.experiments import flows
from mlhive.server.wiring import Hive
from mlhive.sklearn import estimator_to_flow
from tests.conftest import UserKey
from tests.factories import actor_of, flow_body, publish
from tests.unit.services.automl.automl_world import make_task, numeric_csv


@pytest.fixture
def suite(http: TestClient, hive: Hive, alice: UserKey) -> dict[str, object]:
    """Alice's public suite of two small classification tasks."""
    actor = actor_of(hive, alice)
    ids = [
        make_task(hive, actor, numeric_csv(), "supervised_classification", "label", "a", 25),
        make_task(hive, actor, numeric_csv(seed=9), "supervised_classification", "label", "b", 6),
    ]
    body = {"name": "pair", "alias": "pair", "task_ids": ids}
    made = http.post("/api/suites", json=body, headers=alice.headers)
    assert made.status_code == 201, made.text
    return {"id": made.json()["id"], "task_ids": ids}


@pytest.fixture
def flow_id(hive: Hive, alice: UserKey) -> int:
    with transaction(hive.sessions) as session:
        flow, _ = flows.upload(
            session, actor_of(hive, alice), estimator_to_flow(LogisticRegression())
        )
        return flow.id


def test_the_cli_runs_a_flow_on_a_suite_and_its_progress_reaches_done(
    http: TestClient,
    hive: Hive,
    alice: UserKey,
    bob: UserKey,
    suite: dict[str, object],
    flow_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def factory(url: str | None, api_key: str | None) -> Client:
        return Client(url, api_key, http_client=http, cache_dir=tmp_path / "cache", retries=0)

    monkeypatch.setattr(_common, "client_factory", factory)
    # While the command polls, the server's worker runs the job (the tests' worker is off).
    monkeypatch.setattr(client_automl, "_pause", lambda _: hive.worker.drain())
    result = CliRunner().invoke(
        app,
        ["suite", "run", "pair", "--flow", str(flow_id), "--api-key", alice.key,
         "--url", "http://testserver"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 done, 0 failed of 2" in result.stdout
    assert "predictive_accuracy" in result.stdout
    listed = http.get("/api/suites/pair/runs", headers=alice.headers).json()["items"]
    assert len(listed) == 1
    out = listed[0]
    assert out["state"] == "done" and out["mode"] == "flow" and out["flow_id"] == flow_id
    assert [t["task_id"] for t in out["tasks"]] == suite["task_ids"]
    assert all(t["state"] == "done" and t["run_id"] and t["score"] for t in out["tasks"])
    assert f"study: {out['study_id']}" in result.stdout
    study = http.get(f"/api/studies/{out['study_id']}", headers=alice.headers).json()
    assert study["run_ids"] == sorted(t["run_id"] for t in out["tasks"])
    for run_id in study["run_ids"]:
        run = http.get(f"/api/runs/{run_id}", headers=alice.headers).json()
        assert run["flow_id"] == flow_id and run["state"] == "evaluated"
    # The run is Alice's: Bob (who may see the suite) and anonymous callers do not get it.
    path = f"/api/suites/pair/runs/{out['id']}"
    assert http.get(path, headers=alice.headers).json()["done"] == 2
    assert http.get(path, headers=bob.headers).status_code == 404
    assert http.get("/api/suites/pair/runs", headers=bob.headers).json()["items"] == []
    assert http.get(path).status_code == 401


def test_the_client_returns_a_queued_run_with_its_tasks_when_asked_not_to_wait(
    http: TestClient, alice: UserKey, suite: dict[str, object], tmp_path: Path
) -> None:
    with Client("http://testserver", alice.key, http_client=http, cache_dir=tmp_path) as client:
        queued = client.suites.run("pair", automl=True, n_trials=1, seed=3, wait=False)
        assert queued.state == "queued" and queued.mode == "automl" and queued.job_id
        assert (queued.total, queued.done, queued.failed) == (2, 0, 0)
        assert all(t.state == "queued" and t.automl_search_id for t in queued.tasks)
        assert client.suites.run_status("pair", queued.id).id == queued.id
        assert [r.id for r in client.suites.runs("pair")] == [queued.id]


def _private_suite(http: TestClient, owner: UserKey) -> int:
    body = {"name": "mine", "visibility": "private"}
    return int(http.post("/api/suites", json=body, headers=owner.headers).json()["id"])


def _weka_flow(hive: Hive, owner: UserKey) -> int:
    with transaction(hive.sessions) as session:
        flow, _ = flows.upload(session, actor_of(hive, owner), flow_body("weka.J48", "Weka_3.9"))
        return flow.id


def test_bad_suite_run_requests_are_refused_naming_the_problem(
    http: TestClient,
    hive: Hive,
    alice: UserKey,
    bob: UserKey,
    suite: dict[str, object],
    flow_id: int,
) -> None:
    def post(ref: object, body: dict[str, object], user: UserKey = alice) -> tuple[int, str]:
        answer = http.post(f"/api/suites/{ref}/runs", json=body, headers=user.headers)
        return answer.status_code, answer.text

    flow = {"flow_id": flow_id}
    assert post(9999, flow)[0] == 404
    # Alice's private suite does not exist for Bob.
    assert post(_private_suite(http, alice), flow, bob)[0] == 404
    assert post("pair", {"flow_id": 99_999})[0] == 404
    status, text = post("pair", {"flow_id": _weka_flow(hive, alice)})
    assert status == 422 and "flow_id" in text and "weka.J48" in text
    status, text = post("pair", {"flow_id": flow_id, "automl": {"n_trials": 1}})
    assert status == 422 and "either flow_id" in text
    status, text = post("pair", {"automl": {"seed": 1}})
    assert status == 422 and "time_budget" in text
    status, text = post("pair", {"automl": {"n_trials": 1, "metric": "acuracy"}})
    assert status == 422 and "acuracy" in text
    status, text = post("pair", {"setup_id": 1})
    assert status == 422 and "setup_id" in text
    assert http.post("/api/suites/pair/runs", json=flow).status_code == 401
    # Nothing was queued by the refused requests.
    assert http.get("/api/suites/pair/runs", headers=alice.headers).json()["items"] == []


def test_a_suite_whose_tasks_you_may_not_see_is_refused(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, flow_id: int
) -> None:
    actor = actor_of(hive, alice)
    hidden = publish(hive, actor, numeric_csv(), name="secret", visibility="private")
    hive.worker.drain()
    task = http.post(
        "/api/tasks",
        json={"task_type": "supervised_classification", "dataset_id": hidden,
              "estimation_procedure_id": 6},
        headers=alice.headers,
    ).json()["id"]  # fmt: skip
    suite = http.post(
        "/api/suites", json={"name": "open", "task_ids": [task]}, headers=alice.headers
    ).json()["id"]
    answer = http.post(f"/api/suites/{suite}/runs", json={"flow_id": flow_id}, headers=bob.headers)
    assert answer.status_code == 422 and "no tasks you may see" in answer.text
    mine = http.post(f"/api/suites/{suite}/runs", json={"flow_id": flow_id}, headers=alice.headers)
    assert mine.status_code == 202 and mine.json()["total"] == 1


def test_a_suite_run_that_cannot_start_fails_every_task_and_search_with_the_reason(
    http: TestClient, hive: Hive, alice: UserKey, suite: dict[str, object]
) -> None:
    body = {"automl": {"n_trials": 1}}
    queued = http.post("/api/suites/pair/runs", json=body, headers=alice.headers).json()
    # The job finds its record naming a flow that is gone (as if deleted meanwhile).
    with transaction(hive.sessions) as session:
        session.get_one(SuiteRun, queued["id"]).flow_id = 99_999
    hive.worker.drain()
    out = http.get(f"/api/suites/pair/runs/{queued['id']}", headers=alice.headers).json()
    assert out["state"] == "failed" and "flow 99999" in out["error"]
    assert (out["done"], out["failed"], out["total"]) == (0, 2, 2)
    assert all("the suite run stopped" in t["error"] for t in out["tasks"])
    for unit in out["tasks"]:
        search = http.get(f"/api/automl/{unit['automl_search_id']}", headers=alice.headers).json()
        assert search["state"] == "failed" and f"suite run {out['id']}" in search["error"]
