"""``mlhive model retrain-policy`` / ``mlhive model retrain`` over the real client: set a
policy, retrain now, and see the merge request it opened and the data its commit has seen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlhive import Client
from mlhive.errors import ConflictError, InvalidInputError, PermissionDeniedError
from tests.api.retraining import REPO, V2, build_world, publish_version
from tests.cli.conftest import KeyedCli as Cli
from tests.conftest import UserKey


def test_set_a_policy_retrain_now_and_read_the_outcome(
    cli: Cli,
    http: TestClient,
    alice: UserKey,
    bob: UserKey,
    tmp_path: Path,
    run_jobs: Callable[[], int],
) -> None:
    world = build_world(http, alice, run_jobs, tmp_path)
    shown = cli(alice, "model", "retrain-policy", REPO, "--dataset", "churn", "--every", "12")
    assert "alice/churn follows dataset 'churn' (enabled, every 12 h)" in shown.stdout
    assert "then merge request" in shown.stdout and "latest retrain: never" in shown.stdout

    queued = cli(alice, "model", "retrain", REPO)  # on version 1, the newest processed one
    assert "latest retrain: queued" in queued.stdout
    client = Client(api_key=alice.key, http_client=http, cache_dir=tmp_path, retries=0)  # type: ignore[arg-type]
    with pytest.raises(ConflictError, match="already queued"):
        client.models.retrain(REPO)
    run_jobs()
    first = client.models.retraining(REPO)
    assert first.last.dataset_id == world["dataset"] and first.last.merge_request is not None
    version2 = publish_version(http, alice, V2)
    run_jobs()  # its processing queues the next retrain, on version 2

    policy = client.models.retraining(REPO)
    assert policy.last.state == "done" and policy.last.dataset_id == version2
    assert policy.interval_hours == 12
    # one merge request per branch: the second retrain points the open one at its commit
    assert policy.last.merge_request == first.last.merge_request
    request = client.models.merge_request(REPO, first.last.merge_request)
    assert request.source_commit == policy.last.commit and "version 2" in request.title
    shown = cli(alice, "model", "retrain-policy", REPO)
    assert f"merge request {policy.last.merge_request}" in shown.stdout
    commit = client.models.commit(REPO, "retrain")
    assert [(d.dataset_id, d.version, d.source) for d in commit.card.data_seen] == [
        (world["dataset"], 1, "uploader"),
        (world["dataset"], 1, "server"),
        (version2, 2, "server"),
    ]
    card = client.models.card(REPO, "retrain", markdown=True)
    assert isinstance(card, str) and "## Data seen" in card
    assert "day: 2026-04-01" in card

    bobs = Client(api_key=bob.key, http_client=http, cache_dir=tmp_path, retries=0)  # type: ignore[arg-type]
    with pytest.raises(PermissionDeniedError):
        bobs.models.set_retraining(REPO, "churn")
    with pytest.raises(InvalidInputError, match=r"target: .* no column 'nope'"):
        client.models.set_retraining(REPO, "churn", target="nope")
    cli(alice, "model", "retrain-policy", REPO, "--delete")
    cli(alice, "model", "retrain-policy", REPO, code=1)
