"""POST/GET /api/runs/{id}/reproductions and GET /api/reproductions/{id}: the server re-runs a
run's setup on the same task and splits and compares every measure with the original."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from mlhive import Client
from mlhive.server.wiring import Hive
from tests.api.reproductions import make_task, original_run
from tests.conftest import UserKey


@pytest.fixture
def client_of(http: TestClient, tmp_path: Path) -> Iterator[object]:
    made: list[Client] = []

    def make(user: UserKey) -> Client:
        client = Client(
            "http://testserver", user.key, http_client=http, cache_dir=tmp_path / user.name,
            retries=0,
        )  # fmt: skip
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_a_reproduced_run_gets_its_badge_and_an_altered_one_shows_by_how_much(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, client_of: object
) -> None:
    task_id = make_task(hive, alice, "repro")
    honest = original_run(hive, client_of(alice), task_id)  # type: ignore[operator]
    asked = http.post(f"/api/runs/{honest}/reproductions", json={}, headers=bob.headers)
    assert asked.status_code == 202, asked.text
    queued = asked.json()
    assert queued["state"] == "queued" and queued["kind"] == "server"
    assert queued["tolerance"] == 1e-9 and queued["requested_by"] == "bob" and queued["job_id"]
    # Asking again while it waits gives the same reproduction, not a second job.
    again = http.post(f"/api/runs/{honest}/reproductions", json={}, headers=bob.headers).json()
    assert again["id"] == queued["id"]
    hive.worker.drain()
    done = http.get(f"/api/reproductions/{queued['id']}").json()
    assert done["state"] == "reproduced", done["log"]
    assert done["differing"] == 0 and done["max_abs_diff"] == pytest.approx(0, abs=1e-9)
    compared = {c["measure"]: c for c in done["comparison"]}
    assert "predictive_accuracy" in compared and "area_under_roc_curve" in compared
    assert all(c["within"] for c in compared.values())
    assert "all" in done["log"] and "within 1e-09" in done["log"]
    # The re-run is a normal run on the same task with the same setup, tagged as what it is.
    rerun = http.get(f"/api/runs/{done['reproduction_run_id']}").json()
    original = http.get(f"/api/runs/{honest}").json()
    assert rerun["task_id"] == task_id and rerun["setup_id"] == original["setup_id"]
    assert {"reproduction", f"reproduction-of-{honest}"} <= set(rerun["tags"])
    assert rerun["uploader"] == "bob"
    assert original["reproductions"] == {"reproduced": 1, "differs": 0, "failed": 0}
    assert rerun["reproductions"] == {"reproduced": 0, "differs": 0, "failed": 0}

    altered = original_run(hive, client_of(alice), task_id, alter=12)  # type: ignore[operator]
    asked = http.post(f"/api/runs/{altered}/reproductions", json={}, headers=bob.headers)
    hive.worker.drain()
    out = http.get(f"/api/reproductions/{asked.json()['id']}").json()
    assert out["state"] == "differs", out["log"]
    accuracy = next(c for c in out["comparison"] if c["measure"] == "predictive_accuracy")
    # 12 of the 120 rows flipped: the re-run's accuracy is off by 12/120 (less the flips that
    # happened to be corrections, so between 0 and 0.1, and never zero).
    assert not accuracy["within"] and 0 < accuracy["abs_diff"] <= 12 / 120 + 1e-12
    assert accuracy["abs_diff"] == pytest.approx(abs(accuracy["reproduced"] - accuracy["original"]))
    assert out["max_abs_diff"] >= accuracy["abs_diff"] and out["differing"] >= 1
    assert out["comparison"][0]["within"] is False  # largest differences first
    assert "predictive_accuracy" in out["log"] or "differ by more than" in out["log"]
    counts = http.get(f"/api/runs/{altered}").json()["reproductions"]
    assert counts == {"reproduced": 0, "differs": 1, "failed": 0}
    # A looser tolerance than the gap reproduces it (the measure that moved most decides).
    loose = http.post(
        f"/api/runs/{altered}/reproductions", json={"tolerance": 0.5}, headers=alice.headers
    ).json()
    hive.worker.drain()
    assert http.get(f"/api/reproductions/{loose['id']}").json()["state"] == "reproduced"
    listed = http.get(f"/api/runs/{altered}/reproductions").json()["items"]
    assert [r["id"] for r in listed] == [loose["id"], out["id"]]
    # Bob's profile counts both of his reproductions of alice's runs (one reproduced, one
    # differing); alice re-running her own run is no contribution.
    contributions = {
        name: http.get(f"/api/users/{name}/profile").json()["contributions"]["reproductions"]
        for name in ("alice", "bob")
    }
    assert contributions == {"alice": 0, "bob": 2}


def test_a_linked_rerun_is_compared_at_once_and_bad_links_are_refused(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, client_of: object
) -> None:
    task_id = make_task(hive, alice, "linked")
    original = original_run(hive, client_of(alice), task_id)  # type: ignore[operator]
    mine = original_run(hive, client_of(bob), task_id)  # type: ignore[operator]
    path = f"/api/runs/{original}/reproductions"
    linked = http.post(path, json={"run_id": mine}, headers=bob.headers)
    assert linked.status_code == 202, linked.text
    out = linked.json()
    assert out["kind"] == "uploaded" and out["state"] == "reproduced"
    assert out["reproduction_run_id"] == mine and out["job_id"] is None
    assert http.get(f"/api/runs/{original}").json()["reproductions"]["reproduced"] == 1

    def refused(body: dict[str, object], user: UserKey = bob) -> str:
        answer = http.post(path, json=body, headers=user.headers)
        assert answer.status_code == 422, answer.text
        return answer.text

    assert "already linked" in refused({"run_id": mine})
    assert "uploaded by bob, not you" in refused({"run_id": mine}, alice)
    assert "cannot reproduce itself" in refused({"run_id": original}, alice)
    other_task = make_task(hive, alice, "elsewhere")
    elsewhere = original_run(hive, client_of(bob), other_task)  # type: ignore[operator]
    assert f"on task {other_task}" in refused({"run_id": elsewhere})
    other_setup = client_of(bob).run(LogisticRegression(C=0.5), task_id)  # type: ignore[operator]
    hive.worker.drain()
    assert "same flow with the same parameter values" in refused({"run_id": other_setup.id})
    assert "not found" in refused({"run_id": 99_999})
    assert http.post(path, json={"tolerance": -1}, headers=bob.headers).status_code == 422


def test_private_runs_keep_their_reproductions_private(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, client_of: object
) -> None:
    task_id = make_task(hive, alice, "secret", visibility="private")
    run_id = original_run(hive, client_of(alice), task_id)  # type: ignore[operator]
    made = http.post(f"/api/runs/{run_id}/reproductions", json={}, headers=alice.headers).json()
    hive.worker.drain()
    assert http.get(f"/api/reproductions/{made['id']}", headers=alice.headers).json()["state"] == (
        "reproduced"
    )
    for headers in (bob.headers, {}):
        assert http.get(f"/api/reproductions/{made['id']}", headers=headers).status_code == 404
        assert http.get(f"/api/runs/{run_id}/reproductions", headers=headers).status_code == 404
    answer = http.post(f"/api/runs/{run_id}/reproductions", json={}, headers=bob.headers)
    assert answer.status_code == 404
    assert http.post(f"/api/runs/{run_id}/reproductions", json={}).status_code == 401


def test_a_run_the_server_cannot_rebuild_is_refused_naming_the_way_out(
    http: TestClient, hive: Hive, alice: UserKey, client_of: object
) -> None:
    task_id = make_task(hive, alice, "foreign")
    client = client_of(alice)  # type: ignore[operator]
    run = client.runs.upload(
        task_id, _constant_predictions(client, task_id), flow="torch.Net", parameters={"w": 3}
    )
    hive.worker.drain()
    assert client.runs.get(run.id).state == "evaluated"
    answer = http.post(f"/api/runs/{run.id}/reproductions", json={}, headers=alice.headers)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "torch.Net" in detail and "cannot be re-run by the server" in detail
    assert '{"run_id": <your run>}' in detail


def _constant_predictions(client: Client, task_id: int) -> pa.Table:
    """'yes' for every test row of every fold, with full confidence."""
    splits = client.tasks.get(task_id).splits_table
    test = splits.filter(pc.equal(splits.column("type"), "TEST"))
    rows = test.num_rows
    return pa.table(
        {
            "repeat": test.column("repeat"),
            "fold": test.column("fold"),
            "row_id": test.column("rowid"),
            "prediction": pa.array(["yes"] * rows),
            "confidence.no": pa.array([0.0] * rows),
            "confidence.yes": pa.array([1.0] * rows),
        }
    )


def test_the_reproduced_leaderboard_keeps_only_runs_reproduced_at_least_once(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, client_of: object
) -> None:
    task_id = make_task(hive, alice, "board")
    client = client_of(alice)  # type: ignore[operator]
    honest = original_run(hive, client, task_id)
    tree = original_run(hive, client, task_id, estimator=DecisionTreeClassifier(random_state=0))
    board = f"/api/tasks/{task_id}/leaderboard"
    assert {e["run_id"] for e in http.get(board).json()["entries"]} == {honest, tree}
    empty = http.get(board, params={"reproduced": "true"}).json()
    assert empty["reproduced"] is True and empty["entries"] == []
    http.post(f"/api/runs/{honest}/reproductions", json={}, headers=bob.headers)
    hive.worker.drain()
    for by in ("flow", "setup"):
        entries = http.get(board, params={"reproduced": "true", "by": by}).json()["entries"]
        # Only the reproduced run: not the tree, nor the re-run (nobody reproduced that).
        assert [(e["run_id"], e["rank"], e["runs_of_flow"]) for e in entries] == [(honest, 1, 1)]
    # The re-run has the same setup and the same scores: the flow's best stays the original.
    full = http.get(board).json()["entries"]
    assert honest in {e["run_id"] for e in full} and len(full) == 2
    page = http.get(f"/tasks/{task_id}", params={"reproduced": "true"}).text
    assert f'href="/runs/{honest}"' in page and "best reproduced run per flow" in page
    assert f'href="/runs/{tree}">run {tree}</a>' not in page
