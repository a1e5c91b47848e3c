"""POST/GET /api/automl, the client's automl() and ``mlhive automl``: a search as a job."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mlhive import Client
from mlhive.cli import _common
from mlhive.cli.main import app
from mlhive.client import automl as client_automl
from mlhive.client.automl import parse_size
from mlhive.server.wiring import Hive
from tests.conftest import UserKey
from tests.factories import actor_of
from tests.unit.services.automl.automl_world import make_task, mixed_csv


@pytest.fixture
def task_id(hive: Hive, alice: UserKey) -> int:
    actor = actor_of(hive, alice)
    return make_task(hive, actor, mixed_csv(120), "supervised_classification", "label", "m", 25)


def test_a_search_is_queued_then_shows_its_trials_to_its_owner_only(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, task_id: int
) -> None:
    body = {"task_id": task_id, "n_trials": 2, "seed": 3, "memory_limit": 2 * 2**30}
    started = http.post("/api/automl", json=body, headers=alice.headers)
    assert started.status_code == 202, started.text
    search = started.json()
    assert search["state"] == "queued" and search["job_id"]
    assert search["metric"] == "predictive_accuracy"
    hive.worker.drain()
    done = http.get(f"/api/automl/{search['id']}", headers=alice.headers).json()
    assert done["state"] == "done", done["error"]
    assert [t["number"] for t in done["trials"]] == [0, 1]
    assert all(t["seconds"] > 0 and t["peak_memory"] for t in done["trials"])
    assert done["study_id"] and done["model_commit"] and done["ensemble"]
    commit = http.get(
        f"/api/models/{done['model_repo']}/commits/{done['model_commit']}", headers=alice.headers
    ).json()
    [seen] = commit["card"]["data_seen"]  # the server fitted the final model on all 120 rows
    assert (seen["name"], seen["version"], seen["rows"], seen["source"]) == ("m", 1, 120, "server")
    assert seen["applied_at"] is not None
    hidden = http.get(f"/api/automl/{search['id']}", headers=bob.headers)
    assert hidden.status_code == 404
    assert http.get(f"/api/automl/{search['id']}").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "time_budget"),
        ({"n_trials": 1, "metric": "acuracy"}, "measure"),
        ({"n_trials": 1, "memory_limit": 1000}, "memory_limit"),
    ],
)
def test_a_search_that_cannot_run_is_refused_naming_the_field(
    http: TestClient, alice: UserKey, task_id: int, body: dict[str, object], field: str
) -> None:
    answer = http.post("/api/automl", json={"task_id": task_id, **body}, headers=alice.headers)
    assert answer.status_code in (400, 422)
    assert field in answer.text


def test_a_search_on_a_task_you_cannot_see_is_not_found(http: TestClient, bob: UserKey) -> None:
    answer = http.post("/api/automl", json={"task_id": 9999, "n_trials": 1}, headers=bob.headers)
    assert answer.status_code == 404


def test_memory_limits_are_read_as_sizes_and_nonsense_is_refused() -> None:
    assert parse_size("4GB") == 4 * 10**9
    assert parse_size("512MiB") == 512 * 2**20
    assert parse_size("2G") == 2 * 2**30
    assert parse_size(1024) == 1024
    with pytest.raises(ValueError, match="4 gigs"):
        parse_size("4 gigs")


def test_the_cli_runs_a_search_and_prints_its_leaderboard(
    http: TestClient,
    hive: Hive,
    alice: UserKey,
    task_id: int,
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
        ["automl", str(task_id), "--time", "120", "--memory", "2GiB", "--trials", "2",
         "--seed", "1", "--api-key", alice.key, "--url", "http://testserver"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "predictive_accuracy (higher is better)" in result.stdout
    assert "ensemble score" in result.stdout and "automl-task-" in result.stdout
    assert result.stdout.count("complete") + result.stdout.count("pruned") >= 2
