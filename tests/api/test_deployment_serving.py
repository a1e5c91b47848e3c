"""The serving path of deployments: recent lookups follow promotions at once, private
deployments stay hidden, calls are monitored (counts, answer times, input drift against the
training data), and ``create_serving_app`` serves the calls and nothing else."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sqlalchemy import update

from mlhive.server.app import create_serving_app
from mlhive.server.config import Settings
from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.forge import ModelCommit
from mlhive.server.db.tables.serving import ModelAlias
from mlhive.server.wiring import Hive
from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.api.forge import Push, make_repo, skops_bytes
from tests.api.serving import promote, repo_with_two_commits
from tests.conftest import UserKey
from tests.web.conftest import sign_in

ROWS = [{"x1": 2.0, "x2": 1.0}, {"x1": -2.0, "x2": -1.5}]


def deploy(http: TestClient, user: UserKey, visibility: str = "public", **fields: Any) -> None:
    body = {"name": "scorer", "visibility": visibility, **fields}
    response = http.post("/api/deployments", json=body, headers=user.headers)
    assert response.status_code == 201, response.text


def call(http: TestClient, user: UserKey | None = None, body: Any = None) -> Any:
    headers = user.headers if user else {}
    return http.post(
        "/api/deployments/scorer/predict", json=body or {"rows": ROWS}, headers=headers
    )


def answering(http: TestClient, user: UserKey | None = None) -> str:
    response = call(http, user)
    assert response.status_code == 200, response.text
    commit: str = response.json()["commit"]
    return commit


def test_the_next_call_after_a_promotion_answers_with_the_new_commit(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    promote(http, alice, repo.repo, "production", repo.first)
    deploy(http, alice, repo=repo.repo, alias="production")
    assert answering(http) == repo.first  # loads the first model
    promote(http, alice, repo.repo, "production", repo.second)
    assert answering(http) == repo.second  # loads the second one
    # Both models are loaded and the deployment was just looked up: the fast path answers,
    # and each promotion is seen by the very next call.
    for target in (repo.first, repo.second, repo.first):
        promote(http, alice, repo.repo, "production", target)
        assert [answering(http), answering(http, alice)] == [target, target]


def test_a_batch_on_the_fast_path_is_answered_in_row_order_and_compressed(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    deploy(http, alice, repo=repo.repo, commit=repo.first)
    answering(http)  # loads the model: later calls take the fast path
    rows = [ROWS[i % 2] for i in range(500)]
    batch = call(http, body={"columns": ["x1", "x2"], "data": [[r["x1"], r["x2"]] for r in rows]})
    assert batch.status_code == 200, batch.text
    assert batch.headers["content-encoding"] == "gzip"
    assert batch.json()["predictions"] == ["hi", "lo"] * 250
    single = call(http, body={"rows": ROWS[1:]})
    assert "content-encoding" not in single.headers and single.json()["predictions"] == ["lo"]


def test_an_alias_moved_by_another_process_is_followed_once_the_lookup_expires(
    http: TestClient, hive: Hive, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    promote(http, alice, repo.repo, "production", repo.first)
    deploy(http, alice, repo=repo.repo, alias="production")
    promote(http, alice, repo.repo, "production", repo.second)
    assert answering(http) == repo.second
    promote(http, alice, repo.repo, "production", repo.first)
    assert answering(http) == repo.first
    # Another server process moves the alias: nothing in this process hears of it.
    with transaction(hive.sessions) as session:
        second = session.query(ModelCommit.id).filter(ModelCommit.sha == repo.second).scalar()
        session.execute(update(ModelAlias).values(commit_id=second))
    assert answering(http) == repo.first  # the lookup of this second still stands
    hive.serving.lookups.ttl = 0.0  # as when its second has passed
    assert answering(http) == repo.second


def test_a_private_deployment_stays_hidden_on_the_fast_path(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    deploy(http, alice, visibility="private", repo=repo.repo, commit=repo.first)
    assert [answering(http, alice), answering(http, alice)] == [repo.first, repo.first]
    for caller in (bob, None):
        hidden = call(http, caller)
        assert hidden.status_code == 404, hidden.text
        assert "deployment 'scorer' not found" in hidden.json()["detail"]
        assert (
            http.get(
                "/api/deployments/scorer/metrics", headers=caller.headers if caller else {}
            ).status_code
            == 404
        )
    refused = http.post(
        "/api/deployments/scorer/predict",
        json={"rows": ROWS},
        headers={"Authorization": "Bearer not-a-key"},
    )
    assert refused.status_code == 401


def test_metrics_count_calls_failures_and_answer_times_without_writing_on_a_read(
    http: TestClient, hive: Hive, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    deploy(http, alice, repo=repo.repo, commit=repo.first)
    for _ in range(5):
        answering(http)
    assert call(http, body={"rows": [{"x1": 1.0}]}).status_code == 422
    invoked = http.post(
        "/api/deployments/scorer/invocations",
        json={"dataframe_split": {"columns": ["x1", "x2"], "data": [[1.0, 2.0]]}},
    )
    assert invoked.status_code == 200, invoked.text
    metrics = http.get("/api/deployments/scorer/metrics", headers=alice.headers).json()
    assert (metrics["requests"], metrics["errors"]) == (7, 1)
    latency = metrics["latency"]
    assert latency["calls"] == 6  # answered calls have an answer time; the failed one not
    assert 0 < latency["p50_ms"] <= latency["p90_ms"] <= latency["p99_ms"]
    # A read never writes: stored counts plus this process's unwritten ones, each call once.
    assert http.get("/api/deployments/scorer").json()["requests"] == 7
    by_name = {f["name"]: f for f in metrics["features"]}
    assert by_name["x1"]["values"] == 5 * 2 + 1
    assert by_name["x1"]["mean"] == (5 * (2.0 - 2.0) + 1.0) / 11


def test_the_drift_summary_shows_a_shifted_mean_and_missing_values(
    http: TestClient, hive: Hive, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    frame = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
    model = make_pipeline(SimpleImputer(), LogisticRegression()).fit(
        frame[["x1", "x2"]], frame["label"].astype(str)
    )
    make_repo(http, alice, "drift", task_ids=[task["id"]])
    pushed = push(alice, "alice/drift", skops_bytes(model), "model.skops")
    assert pushed.status_code == 201, pushed.text
    deploy(http, alice, repo="alice/drift", commit="main")
    shifted = frame["x1"].mean() + 5 * frame["x1"].std()
    rows = [{"x1": shifted, "x2": None if i % 2 else 0.5} for i in range(20)]
    for _ in range(3):
        assert call(http, body={"rows": rows}).status_code == 200
    # Through the database too: what a process writes adds up with what it still holds.
    from mlhive.server.http.serving import flush_counts

    flush_counts(hive, force=True)
    assert call(http, body={"rows": rows}).status_code == 200
    # Only the owner sees what callers sent; others see the counts and answer times.
    public = http.get("/api/deployments/scorer/metrics").json()
    assert (public["requests"], public["latency"]["calls"]) == (4, 4)
    assert (public["inputs_shown"], public["features"], public["training_dataset"]) == (
        False,
        [],
        None,
    )
    public_page = http.get("/deployments/scorer").text
    assert "Inputs against the training data" not in public_page
    assert "shown to the deployment's owner only" in public_page
    metrics = http.get("/api/deployments/scorer/metrics", headers=alice.headers).json()
    assert metrics["training_dataset"] == dataset and metrics["inputs_shown"]
    by_name = {f["name"]: f for f in metrics["features"]}
    x1, x2 = by_name["x1"], by_name["x2"]
    assert x1["values"] == 80 and x1["missing_share"] == 0
    assert abs(x1["training_mean"] - frame["x1"].mean()) < 1e-3
    assert 4.9 < x1["mean_shift"] < 5.1  # five training standard deviations up
    assert x2["missing_share"] == 0.5 and x2["training_missing_share"] == 0
    page = sign_in(http, alice).get("/deployments/scorer")
    assert page.status_code == 200
    assert f'href="/datasets/{dataset}"' in page.text
    assert "+5.00" in page.text or "+4.99" in page.text or "+5.01" in page.text
    assert "50.0 %" in page.text


def test_the_serving_app_answers_calls_and_refuses_every_other_route(
    http: TestClient, settings: Settings, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    promote(http, alice, repo.repo, "production", repo.second)
    deploy(http, alice, repo=repo.repo, alias="production")
    app = create_serving_app(settings)
    try:
        with TestClient(app) as models:
            answered = models.post("/api/deployments/scorer/predict", json={"rows": ROWS})
            assert answered.status_code == 200, answered.text
            assert answered.json()["commit"] == repo.second
            assert answered.json()["predictions"] == ["lo", "hi"]
            assert models.get("/api/health").json()["status"] == "ok"
            for path in ("/api/deployments/scorer", "/api/datasets", "/deployments", "/"):
                assert models.get(path).status_code == 404, path
            assert models.post("/api/deployments", json={}, headers=alice.headers).status_code in (
                404,
                405,
            )
    finally:
        app.state.hive.engine.dispose()
    # Its calls were counted where the main server reads them.
    assert http.get("/api/deployments/scorer").json()["requests"] == 1
