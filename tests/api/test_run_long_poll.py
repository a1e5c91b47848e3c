"""``GET /api/runs/{id}?wait=S``: a pending run is answered as soon as it is evaluated."""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi.testclient import TestClient

from mlhive.server.wiring import Hive
from tests.api.experiments import one_of_each
from tests.conftest import UserKey


def test_a_long_poll_answers_with_the_scores_once_the_evaluation_ends(
    http: TestClient, alice: UserKey, hive: Hive, run_jobs: Callable[[], int]
) -> None:
    run_id = one_of_each(http, alice, run_jobs)["run"]
    assert http.get(f"/api/runs/{run_id}").json()["state"] == "pending"  # no worker yet

    # The evaluation runs while the request waits; its answer is the evaluated run.
    finished = hive.jobs_finished
    waiting_since = finished.mark()
    evaluator = threading.Timer(0.3, run_jobs)
    evaluator.start()
    answer = http.get(f"/api/runs/{run_id}", params={"wait": 20})
    evaluator.join()
    assert finished.mark() != waiting_since  # the evaluation's end was announced
    assert answer.status_code == 200
    body = answer.json()
    assert body["state"] == "evaluated"
    assert {e["measure"] for e in body["evaluations"]} >= {"predictive_accuracy"}


def test_a_long_poll_that_runs_out_answers_pending(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    run_id = one_of_each(http, alice, run_jobs)["run"]
    assert http.get(f"/api/runs/{run_id}", params={"wait": 0.2}).json()["state"] == "pending"


def test_a_wait_beyond_the_limit_is_refused_naming_it(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    run_id = one_of_each(http, alice, run_jobs)["run"]
    refused = http.get(f"/api/runs/{run_id}", params={"wait": 600})
    assert refused.status_code == 422
    assert "wait" in refused.text and "20" in refused.text
