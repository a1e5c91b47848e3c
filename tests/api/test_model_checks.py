"""Model checks (model CI): the owner writes checks as data, the worker runs them on every new
commit, and a commit that failed one (or has not been checked) cannot be promoted."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from mlhive.server.services.serving import modelci
from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.api.forge import Push, make_repo, skops_bytes, tensors_bytes
from tests.conftest import UserKey

FRAME = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
X, Y = FRAME[["x1", "x2"]], FRAME["label"].astype(str)
REPO = "alice/clf"


@pytest.fixture
def task(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> dict[str, Any]:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    return create_task(http, alice, dataset, "supervised_classification", 1)


def _configure(http: TestClient, user: UserKey, **config: Any) -> Any:
    return http.put(f"/api/models/{REPO}/checks", json=config, headers=user.headers)


def _push(push: Push, user: UserKey, estimator: Any, **metadata: Any) -> str:
    response = push(user, REPO, skops_bytes(estimator), "model.skops", **metadata)
    assert response.status_code == 201, response.text
    sha: str = response.json()["id"]
    return sha


def _results(http: TestClient, sha: str) -> dict[str, Any]:
    response = http.get(f"/api/models/{REPO}/commits/{sha}/checks")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _by_name(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in results["results"]}


def _promote(http: TestClient, user: UserKey, sha: str, alias: str = "production") -> Any:
    return http.post(
        f"/api/models/{REPO}/aliases/{alias}", json={"commit": sha}, headers=user.headers
    )


def test_a_constant_low_scoring_commit_cannot_be_promoted_and_the_409_names_the_checks(
    http: TestClient,
    alice: UserKey,
    push: Push,
    task: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    configured = _configure(
        http,
        alice,
        degenerate=True,
        scores=[{"measure": "predictive_accuracy", "min": 0.7, "max_drop": 0.05}],
    )
    assert configured.status_code == 200, configured.text
    score = f"score predictive_accuracy on task {task['id']}"
    assert configured.json()["checks"] == ["degenerate", score]

    constant = _push(push, alice, DummyClassifier(strategy="most_frequent").fit(X, Y))
    assert _results(http, constant)["state"] == "queued"  # waits for its ONNX export
    refused = _promote(http, alice, constant)
    assert refused.status_code == 409
    assert "promote once they finish" in refused.json()["detail"]

    run_jobs()
    checked = _results(http, constant)
    assert checked["state"] == "done" and checked["passed"] is False
    results = _by_name(checked)
    assert not results["degenerate"]["passed"]
    assert "for all" in results["degenerate"]["detail"]
    assert "constant prediction" in results["degenerate"]["detail"]
    assert not results[score]["passed"]
    assert "below the minimum 0.7" in results[score]["detail"]
    assert results[score]["figure"] < 0.7

    refused = _promote(http, alice, constant)
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "degenerate: the model predicts" in detail and f"{score}:" in detail
    assert http.get(f"/api/models/{REPO}/aliases").json() == []

    good = _push(push, alice, LogisticRegression().fit(X, Y))
    run_jobs()
    passed = _results(http, good)
    assert passed["passed"] is True, passed
    assert _by_name(passed)[score]["figure"] >= 0.7
    event = _promote(http, alice, good)
    assert event.status_code == 200, event.text
    assert [(c["name"], c["passed"]) for c in event.json()["checks"]] == [
        ("degenerate", True),
        (score, True),
    ]
    # The first commit's results stay its own: stored per commit.
    assert _by_name(_results(http, constant))["degenerate"]["passed"] is False


def test_a_drop_against_production_beyond_the_tolerance_fails(
    http: TestClient,
    alice: UserKey,
    push: Push,
    task: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    score = f"score predictive_accuracy on task {task['id']}"
    _configure(http, alice, scores=[{"measure": "predictive_accuracy", "max_drop": 0.01}])
    good = _push(push, alice, LogisticRegression().fit(X, Y))
    run_jobs()
    first = _by_name(_results(http, good))[score]
    assert first["passed"] and "no @production commit" in first["detail"]
    assert _promote(http, alice, good).status_code == 200

    worse = _push(push, alice, DummyClassifier(strategy="most_frequent").fit(X, Y))
    run_jobs()
    result = _by_name(_results(http, worse))[score]
    assert not result["passed"]
    assert "is worse by" in result["detail"] and "at most 0.01 allowed" in result["detail"]
    refused = _promote(http, alice, worse)
    assert refused.status_code == 409 and score in refused.json()["detail"]


def test_invariance_and_directional_rules_written_as_data(
    http: TestClient,
    alice: UserKey,
    push: Push,
    task: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    rules = [
        {"name": "x2 alone", "column": "x2", "change": "set", "value": 3.0, "expect": "same"},
        {
            "name": "more x1 more yes",
            "column": "x1",
            "change": "add",
            "value": 1.0,
            "expect": "increase",
            "class_label": "yes",
        },
    ]
    assert _configure(http, alice, rules=rules).status_code == 200
    # Learns the label from x1 only: x2 never matters, more x1 means more "yes".
    on_x1 = _push(push, alice, LogisticRegression().fit(X[["x1"]].assign(x2=0.0), Y))
    # Learns the opposite of the label, from x2: both rules break.
    backwards = LogisticRegression().fit(
        X, pd.Series(["yes" if v > 0 else "no" for v in 3 * X.x2 - X.x1])
    )
    on_x2 = _push(push, alice, backwards)
    run_jobs()

    good = _by_name(_results(http, on_x1))
    assert good["rule x2 alone"]["passed"], good["rule x2 alone"]["detail"]
    assert good["rule more x1 more yes"]["passed"]
    assert good["rule x2 alone"]["figure"] == 0.0

    bad = _by_name(_results(http, on_x2))
    assert not bad["rule x2 alone"]["passed"]
    assert (
        "setting x2 to 3.0: the predicted class should stay the same"
        in (bad["rule x2 alone"]["detail"])
    )
    assert not bad["rule more x1 more yes"]["passed"]
    assert "the probability of 'yes' should not go down" in bad["rule more x1 more yes"]["detail"]
    assert bad["rule more x1 more yes"]["figure"] > 0.5
    refused = _promote(http, alice, on_x2)
    assert refused.status_code == 409
    assert "rule x2 alone:" in refused.json()["detail"]
    assert _promote(http, alice, on_x1).status_code == 200


def test_schema_latency_and_onnx_parity_checks(
    http: TestClient,
    alice: UserKey,
    push: Push,
    task: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    _configure(http, alice, schema_check=True, latency_ms=60_000, onnx_parity=True)
    model = LogisticRegression().fit(X, Y)
    honest = _push(push, alice, model)
    lying = _push(push, alice, model, card={"output_schema": {"class_labels": ["cat", "dog"]}})
    run_jobs()

    good = _by_name(_results(http, honest))
    assert all(r["passed"] for r in good.values()), good
    assert good["latency"]["figure"] > 0 and "budget 60000 ms" in good["latency"]["detail"]
    assert "the export agrees with the original" in good["onnx_parity"]["detail"]

    bad = _by_name(_results(http, lying))
    assert not bad["schema"]["passed"]
    assert "which the card's class_labels ['cat', 'dog'] do not list" in bad["schema"]["detail"]

    # A budget no prediction can meet fails, and says by how much.
    _configure(http, alice, latency_ms=0.000001)
    assert (
        http.post(f"/api/models/{REPO}/commits/{honest}/checks", headers=alice.headers).json()[
            "state"
        ]
        == "queued"
    )
    run_jobs()
    slow = _by_name(_results(http, honest))["latency"]
    assert not slow["passed"] and "over the budget of 1e-06 ms" in slow["detail"]


def test_a_changed_configuration_makes_results_stale_until_run_again(
    http: TestClient,
    alice: UserKey,
    push: Push,
    task: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    _configure(http, alice, degenerate=True)
    sha = _push(push, alice, LogisticRegression().fit(X, Y))
    run_jobs()
    assert _results(http, sha)["passed"] is True
    _configure(http, alice, degenerate=True, schema_check=True)
    stale = _results(http, sha)
    assert stale["state"] == "stale" and stale["missing"] == ["schema", "degenerate"]
    refused = _promote(http, alice, sha)
    assert refused.status_code == 409
    assert (
        "under the current configuration (it changed since the checks ran)"
        in (refused.json()["detail"])
    )
    assert f"POST /api/models/{REPO}/commits/{sha}/checks" in refused.json()["detail"]

    rerun = http.post(f"/api/models/{REPO}/commits/{sha}/checks", headers=alice.headers)
    assert rerun.status_code == 202 and rerun.json()["state"] == "queued"
    twice = http.post(f"/api/models/{REPO}/commits/{sha}/checks", headers=alice.headers)
    assert twice.json()["job_id"] == rerun.json()["job_id"]  # one waiting run, not two
    run_jobs()
    again = _results(http, sha)
    assert again["state"] == "done" and again["passed"] is True and again["missing"] == []
    assert _promote(http, alice, sha).status_code == 200


def test_a_repository_without_checks_promotes_as_before(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    make_repo(http, alice, "clf")
    sha = _push(push, alice, DummyClassifier().fit(X, Y))
    run_jobs()
    assert _results(http, sha)["state"] == "not_configured"
    assert http.get(f"/api/models/{REPO}/checks").json()["checks"] == []
    event = _promote(http, alice, sha)
    assert event.status_code == 200 and event.json()["checks"] == []
    rerun = http.post(f"/api/models/{REPO}/commits/{sha}/checks", headers=alice.headers)
    assert rerun.status_code == 409 and "configure them first" in rerun.json()["detail"]


def test_checks_that_need_rows_say_so_without_a_linked_task(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    make_repo(http, alice, "clf")
    _configure(
        http, alice, degenerate=True, scores=[{"measure": "predictive_accuracy", "min": 0.5}]
    )
    sha = _push(push, alice, LogisticRegression().fit(X, Y))
    run_jobs()
    results = _by_name(_results(http, sha))
    assert "link a task with data" in results["degenerate"]["detail"]
    assert "no linked task to score the commit on" in results["score predictive_accuracy"]["detail"]
    assert _promote(http, alice, sha).status_code == 409


@pytest.mark.parametrize(
    ("config", "field", "words"),
    [
        ({"scores": [{"measure": "accuracy", "min": 0.5}]}, "scores.0.measure", "use one of"),
        ({"scores": [{"measure": "predictive_accuracy"}]}, "scores.0", "give min, max or max_drop"),
        ({"scores": [{"measure": "*", "max_drop": 0.1}]}, "scores.0.measure", "name one measure"),
        (
            {
                "rules": [
                    {"name": "r", "column": "c", "change": "add", "value": "x", "expect": "same"}
                ]
            },
            "rules.0.value",
            "needs a number",
        ),
        (
            {
                "rules": [
                    {"name": "r", "column": "a", "change": "set", "value": 1, "expect": "same"},
                    {"name": "r", "column": "b", "change": "set", "value": 1, "expect": "same"},
                ]
            },
            "rules",
            "name each once",
        ),
        ({"latency_ms": -5}, "latency_ms", "greater than 0"),
        (
            {
                "rules": [
                    {"name": "r", "column": "c", "change": "flip", "value": 1, "expect": "same"}
                ]
            },
            "rules.0.change",
            "'set', 'add' or 'scale'",
        ),
        ({"schema": True}, "schema", "Extra inputs"),
    ],
)
def test_a_bad_configuration_is_a_422_naming_the_field(
    http: TestClient, alice: UserKey, config: dict[str, Any], field: str, words: str
) -> None:
    make_repo(http, alice, "clf")
    response = _configure(http, alice, **config)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"{field}:") and words in detail, detail
    assert http.get(f"/api/models/{REPO}/checks").json()["revision"] == 0


def test_only_the_owner_configures_and_runs_checks_and_private_checks_stay_private(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    make_repo(http, alice, "clf")
    assert _configure(http, bob, degenerate=True).status_code == 403
    assert http.put(f"/api/models/{REPO}/checks", json={"degenerate": True}).status_code == 401
    assert _configure(http, alice, degenerate=True).status_code == 200
    sha = _push(push, alice, LogisticRegression().fit(X, Y))
    run = f"/api/models/{REPO}/commits/{sha}/checks"
    assert http.post(run, headers=bob.headers).status_code == 403
    assert http.get(run, headers=bob.headers).status_code == 200  # a public repository

    make_repo(http, alice, "secret", visibility="private")
    private = "/api/models/alice/secret/checks"
    assert http.put(private, json={"degenerate": True}, headers=alice.headers).status_code == 200
    assert http.get(private, headers=bob.headers).status_code == 404
    assert http.get(private).status_code == 404
    assert http.put(private, json={}, headers=bob.headers).status_code == 404
    assert http.get(private, headers=alice.headers).json()["config"]["degenerate"] is True


def test_a_check_run_that_breaks_is_recorded_and_promotion_says_why(
    http: TestClient,
    alice: UserKey,
    push: Push,
    task: dict[str, Any],
    run_jobs: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    _configure(http, alice, degenerate=True)
    sha = _push(push, alice, LogisticRegression().fit(X, Y))

    def broken(*args: Any) -> Any:
        raise RuntimeError("the probe rows could not be read")

    monkeypatch.setattr(modelci, "behaviour_checks", broken)
    run_jobs()
    found = _results(http, sha)
    assert found["state"] == "failed" and found["passed"] is None
    assert found["error"] == "RuntimeError: the probe rows could not be read"
    refused = _promote(http, alice, sha)
    assert refused.status_code == 409
    assert (
        "the check run failed (RuntimeError: the probe rows could not be read)"
        in (refused.json()["detail"])
    )


def test_a_weights_only_commit_is_checked_at_once_and_fails_with_the_reason(
    http: TestClient, alice: UserKey, push: Push, task: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    _configure(http, alice, degenerate=True)
    pushed = push(alice, REPO, tensors_bytes({"w": np.zeros(3, dtype=np.float32)}))
    sha = pushed.json()["id"]
    assert _results(http, sha)["state"] == "queued"
    run_jobs()
    result = _by_name(_results(http, sha))["degenerate"]
    assert not result["passed"] and "holds weights, not a program" in result["detail"]


def test_a_merged_request_commit_is_checked_too(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    make_repo(http, alice, "clf")
    push(alice, REPO, tensors_bytes({"w": np.zeros(3, dtype=np.float32)}))
    push(alice, REPO, tensors_bytes({"w": np.ones(3, dtype=np.float32)}), branch="better")
    _configure(http, alice, degenerate=True)
    opened = http.post(
        f"/api/models/{REPO}/merge-requests",
        json={"source_branch": "better", "title": "ones"},
        headers=alice.headers,
    )
    run_jobs()
    number = opened.json()["number"]
    merged = http.post(f"/api/models/{REPO}/merge-requests/{number}/merge", headers=alice.headers)
    assert merged.status_code == 200, merged.text
    sha = merged.json()["merged_commit"]
    assert _results(http, sha)["state"] == "queued"
    run_jobs()
    assert _results(http, sha)["state"] == "done"
