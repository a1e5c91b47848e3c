"""The suite page's section of suite runs: the signed-in owner's progress, nobody else's."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression

from mlhive.server.db.engine import transaction
from mlhive.server.services.experiments import flows
from mlhive.server.wiring import Hive
from mlhive.sklearn import estimator_to_flow
from tests.conftest import UserKey
from tests.factories import actor_of
from tests.unit.services.automl.automl_world import make_task, numeric_csv
from tests.web.conftest import SignIn


def test_the_suite_page_shows_your_suite_runs_with_each_tasks_progress(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, signed_in: SignIn
) -> None:
    actor = actor_of(hive, alice)
    task = make_task(hive, actor, numeric_csv(), "supervised_classification", "label", "a", 6)
    with transaction(hive.sessions) as session:
        flow, _ = flows.upload(session, actor, estimator_to_flow(LogisticRegression()))
        flow_id = flow.id
    body = {"name": "one", "alias": "one", "task_ids": [task]}
    assert http.post("/api/suites", json=body, headers=alice.headers).status_code == 201
    started = http.post("/api/suites/one/runs", json={"flow_id": flow_id}, headers=alice.headers)
    assert started.status_code == 202
    queued = signed_in(alice).get("/suites/one").text
    assert f"Suite run {started.json()['id']}: flow {flow_id}" in queued
    assert "0 done, 0 failed of 1 tasks" in queued
    hive.worker.drain()
    done = http.get("/suites/one").text
    out = http.get("/api/suites/one/runs", headers=alice.headers).json()["items"][0]
    assert "1 done, 0 failed of 1 tasks" in done
    assert f'href="/runs/{out["tasks"][0]["run_id"]}"' in done
    assert f'href="/studies/{out["study_id"]}"' in done
    assert "Predictive accuracy" in done or "predictive_accuracy" in done
    http.cookies.clear()
    others = signed_in(bob).get("/suites/one").text
    assert "Suite run" not in others and "None yet" in others
    http.cookies.clear()
    assert 'id="suite-runs"' not in http.get("/suites/one").text
