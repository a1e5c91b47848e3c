"""Retraining (online learning): a repository follows a dataset's versions; a new version is
refitted from the head's flow and setup in the worker, committed to a branch with a card
listing every version the model has seen, checked, and offered as a merge request."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression

from mlhive.server.db.base import utcnow
from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.serving import RetrainingPolicy
from mlhive.server.wiring import Hive
from tests.api.forge import Push, make_repo, skops_bytes
from tests.api.retraining import REPO, V1, V2, build_world, dated_csv
from tests.api.retraining import publish_version as _publish
from tests.api.retraining import put_policy as _policy
from tests.conftest import UserKey


@pytest.fixture
def world(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int], tmp_path: Path
) -> dict[str, Any]:
    return build_world(http, alice, run_jobs, tmp_path)


def test_a_push_records_its_pipeline_and_the_data_it_says_it_saw(
    world: dict[str, Any],
) -> None:
    card = world["head"]["card"]
    assert card["pipeline"]["flow_id"] > 0 and card["pipeline"]["setup_id"] > 0
    [seen] = card["data_seen"]  # the lineage's dataset (the run's task's)
    assert seen["dataset_id"] == world["dataset"] and seen["version"] == 1
    assert seen["name"] == "churn" and seen["source"] == "uploader"


def test_a_new_dataset_version_lands_as_a_merge_request_with_check_results(
    http: TestClient, alice: UserKey, world: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    checks = http.put(
        f"/api/models/{REPO}/checks",
        json={
            "degenerate": True,
            "scores": [{"measure": "predictive_accuracy", "min": 0.6}],
        },
        headers=alice.headers,
    )
    assert checks.status_code == 200, checks.text
    created = _policy(http, alice, branch="retrain")
    assert created.status_code == 200, created.text
    assert created.json()["last"]["state"] == "never"
    assert created.json()["source_commit"] == world["head"]["id"]

    version2 = _publish(http, alice, V2)
    run_jobs()  # processing queues the retrain, whose commit's export and checks follow

    policy = http.get(f"/api/models/{REPO}/retraining").json()
    assert policy["last"]["state"] == "done", policy
    number = policy["last"]["merge_request"]
    request = http.get(f"/api/models/{REPO}/merge-requests/{number}").json()
    assert request["source_branch"] == "retrain" and request["target_branch"] == "main"
    assert "Model checks passed" in request["description"]
    assert "| degenerate | passed |" in request["description"]
    assert f"score predictive_accuracy on task {world['task']['id']}" in request["description"]

    commit = http.get(f"/api/models/{REPO}/commits/{request['source_commit']}").json()
    assert commit["parents"] == [world["head"]["id"]]
    first, second = commit["card"]["data_seen"]
    assert (first["dataset_id"], first["version"], first["source"]) == (
        world["dataset"],
        1,
        "uploader",
    )
    assert (second["dataset_id"], second["version"], second["source"]) == (version2, 2, "server")
    assert second["rows"] == 120 and second["time_column"] == "day"
    assert second["time_from"].startswith("2026-04-01")
    assert second["time_to"].startswith("2026-07-29")
    assert second["applied_at"] is not None
    assert commit["card"]["pipeline"] == world["head"]["card"]["pipeline"]
    checked = http.get(f"/api/models/{REPO}/commits/{commit['id']}/checks").json()
    assert checked["state"] == "done" and checked["passed"] is True

    # the pages say the same: the repository's policy and outcome, the commit's data seen
    page = http.get(f"/models/{REPO}").text.split('id="retraining">')[1].split("</dd>")[0]
    assert "follows dataset <strong>churn</strong>" in page
    assert f'href="/models/{REPO}/requests/{number}">merge request #{number}</a>' in page
    seen = http.get(f"/models/{REPO}/commits/{commit['id']}").text.split('id="data-seen"')[1]
    rows = seen.split("</section>")[0].split("<tbody>")[1].split("</tr>")
    assert "churn</a>" in rows[0] and "uploader" in rows[0]
    assert ">120</td>" in rows[1] and "<code>day</code>: 2026-04-01" in rows[1]
    assert "server" in rows[1]


def test_promote_staging_moves_the_alias_only_when_the_checks_pass(
    http: TestClient, alice: UserKey, world: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    refused = _policy(http, alice, action="promote_staging")
    assert refused.status_code == 422
    assert "configure them first" in refused.json()["detail"]
    http.put(
        f"/api/models/{REPO}/checks",
        json={"scores": [{"measure": "predictive_accuracy", "min": 0.999}]},
        headers=alice.headers,
    )
    assert _policy(http, alice, action="promote_staging").status_code == 200
    _publish(http, alice, V2)
    run_jobs()
    policy = http.get(f"/api/models/{REPO}/retraining").json()
    assert policy["last"]["state"] == "refused", policy
    assert "@staging was not moved" in policy["last"]["message"]
    assert "below the minimum 0.999" in policy["last"]["message"]
    assert http.get(f"/api/models/{REPO}/aliases").json() == []

    http.put(
        f"/api/models/{REPO}/checks",
        json={"scores": [{"measure": "predictive_accuracy", "min": 0.5}]},
        headers=alice.headers,
    )
    now = http.post(f"/api/models/{REPO}/retraining/run", headers=alice.headers)
    assert now.status_code == 202, now.text
    assert now.json()["last"]["state"] == "queued"
    run_jobs()
    policy = http.get(f"/api/models/{REPO}/retraining").json()
    assert policy["last"]["state"] == "done", policy
    [staging] = http.get(f"/api/models/{REPO}/aliases").json()
    assert staging["name"] == "staging" and staging["commit"] == policy["last"]["commit"]


def test_policy_crud_is_owner_only_and_reads_follow_the_repository(
    http: TestClient, alice: UserKey, bob: UserKey, world: dict[str, Any]
) -> None:
    url = f"/api/models/{REPO}/retraining"
    assert http.get(url).status_code == 404
    assert _policy(http, bob).status_code == 403
    assert _policy(http, alice, interval_hours=24).status_code == 200
    shown = http.get(url).json()
    assert shown["dataset"] == "churn" and shown["interval_hours"] == 24
    assert shown["action"] == "merge_request" and shown["branch"] == "retrain"
    assert http.delete(url, headers=bob.headers).status_code == 403
    assert http.post(url + "/run", headers=bob.headers).status_code == 403
    assert http.delete(url, headers=alice.headers).status_code == 204
    assert http.get(url).status_code == 404
    assert http.post(url + "/run", headers=alice.headers).status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"dataset": "nope"}, "dataset", "no processed dataset named 'nope'"),
        ({"target": "colour"}, "target", "no column 'colour'"),
        ({"time_column": "x1"}, "time_column", "no date column 'x1'"),
        ({"branch": "main"}, "branch", "their own branch"),
    ],
)
def test_bad_policies_are_refused_naming_the_field(
    http: TestClient,
    alice: UserKey,
    world: dict[str, Any],
    body: dict[str, Any],
    field: str,
    words: str,
) -> None:
    refused = _policy(http, alice, **body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith(f"{field}:")
    assert words in refused.json()["detail"]


def test_a_head_without_flow_and_setup_is_refused(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    _publish(http, alice, V1)
    run_jobs()
    make_repo(http, alice, "bare")
    frame = pd.read_csv(io.StringIO(V1))
    model = LogisticRegression().fit(frame[["x1", "x2"]], frame["label"])
    assert push(alice, "alice/bare", skops_bytes(model), "model.skops").status_code == 201
    refused = _policy(http, alice, repo="alice/bare")
    assert refused.status_code == 422
    assert "does not record the flow and setup" in refused.json()["detail"]
    assert "card.lineage.run_id" in refused.json()["detail"]


def test_a_public_repository_never_follows_private_data(
    http: TestClient, alice: UserKey, world: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    _publish(http, alice, V1, visibility="private", name="secret")
    run_jobs()
    refused = _policy(http, alice, dataset="secret")
    assert refused.status_code == 422
    assert "is private and alice/churn is public" in refused.json()["detail"]

    assert _policy(http, alice).status_code == 200
    _publish(http, alice, V2, visibility="private")  # a private version of the followed name
    run_jobs()
    policy = http.get(f"/api/models/{REPO}/retraining").json()
    assert policy["last"]["state"] == "failed"
    assert "is private and alice/churn is public" in policy["last"]["message"]
    assert http.get(f"/api/models/{REPO}/merge-requests").json() == []


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"dataset_id": 999}, "card.data_seen.0.dataset_id: dataset 999 not found"),
        ({"dataset_id": 1, "version": 3}, "card.data_seen.0.version: dataset 1 is version 1"),
        ({"dataset_id": 1, "rows": 81}, "card.data_seen.0.rows: dataset 1 has 80 rows, not 81"),
        ({"dataset_id": 1, "time_column": "when"}, "data_seen.0.time_column: dataset 1 has no"),
    ],
)
def test_what_a_push_says_it_saw_is_checked_against_the_catalog(
    http: TestClient,
    alice: UserKey,
    push: Push,
    run_jobs: Callable[[], int],
    entry: dict[str, Any],
    words: str,
) -> None:
    _publish(http, alice, V1)
    run_jobs()
    make_repo(http, alice, "said")
    frame = pd.read_csv(io.StringIO(V1))
    model = skops_bytes(LogisticRegression().fit(frame[["x1", "x2"]], frame["label"]))
    refused = push(alice, "alice/said", model, "model.skops", card={"data_seen": [entry]})
    assert refused.status_code == 422, refused.text
    assert words in refused.json()["detail"]


def test_a_public_repository_card_never_names_a_private_dataset(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    secret = _publish(http, alice, V1, visibility="private", name="secret")
    run_jobs()
    frame = pd.read_csv(io.StringIO(V1))
    model = skops_bytes(LogisticRegression().fit(frame[["x1", "x2"]], frame["label"]))
    card = {"data_seen": [{"dataset_id": secret, "rows": 80, "source": "server"}]}
    make_repo(http, alice, "open")
    refused = push(alice, "alice/open", model, "model.skops", card=card)
    assert refused.status_code == 422
    assert "is private and this repository is public" in refused.json()["detail"]
    make_repo(http, alice, "closed", visibility="private")
    kept = push(alice, "alice/closed", model, "model.skops", card=card)
    assert kept.status_code == 201, kept.text
    [seen] = kept.json()["card"]["data_seen"]
    assert (seen["name"], seen["version"], seen["rows"]) == ("secret", 1, 80)
    assert seen["source"] == "uploader"  # only the server's own fits are "server"


def test_a_due_schedule_queues_a_retrain_when_the_worker_is_idle(
    http: TestClient,
    alice: UserKey,
    hive: Hive,
    world: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    assert _policy(http, alice, interval_hours=1).status_code == 200
    hive.worker.run_periodic()  # not due: the policy was just written
    assert http.get(f"/api/models/{REPO}/retraining").json()["last"]["state"] == "never"
    with transaction(hive.sessions) as session:
        row = session.get_one(RetrainingPolicy, world["repo_id"])
        row.updated_at = utcnow() - timedelta(hours=2)
    hive.worker.run_periodic()
    queued = http.get(f"/api/models/{REPO}/retraining").json()
    assert (
        queued["last"]["state"] == "queued" and "scheduled every 1 h" in queued["last"]["message"]
    )
    run_jobs()
    done = http.get(f"/api/models/{REPO}/retraining").json()
    assert done["last"]["state"] == "done", done
    assert done["last"]["dataset_id"] == world["dataset"]
    hive.worker.run_periodic()  # just retrained: the next one is an hour away
    assert http.get(f"/api/models/{REPO}/retraining").json()["last"]["state"] == "done"


def test_a_version_that_arrives_during_a_retrain_is_retrained_on_next(
    http: TestClient, alice: UserKey, world: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    assert _policy(http, alice).status_code == 200
    version2 = _publish(http, alice, V2)
    version3 = _publish(http, alice, dated_csv(60, "2026-09-01", 3))
    run_jobs()  # v2's retrain is queued when v3 is processed; v3's follows it
    policy = http.get(f"/api/models/{REPO}/retraining").json()
    assert policy["last"]["state"] == "done" and policy["last"]["dataset_id"] == version3
    commit = http.get(f"/api/models/{REPO}/commits/retrain").json()
    assert [(d["dataset_id"], d["source"]) for d in commit["card"]["data_seen"]] == [
        (world["dataset"], "uploader"),
        (version2, "server"),
        (version3, "server"),
    ]
    [request] = http.get(f"/api/models/{REPO}/merge-requests").json()
    assert request["source_commit"] == commit["id"]  # one request, following the branch
