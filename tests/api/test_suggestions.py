"""Suggested collaborators and helpers over the native API: the signals and their reasons,
who is left out, and that private work neither creates a suggestion nor shows in a reason."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Upload
from tests.api.experiments import (
    CLASSIFICATION_CSV,
    LABELS,
    classification_predictions,
    create_task,
    submit_run,
    upload_flow,
)
from tests.api.forge import make_repo
from tests.conftest import MakeUser, UserKey

Jobs = Callable[[], int]


@pytest.fixture
def carol(make_user: MakeUser) -> UserKey:
    return make_user("carol")


def _suggested(http: TestClient, name: str, user: UserKey | None = None) -> list[dict[str, Any]]:
    found = http.get(f"/api/people/{name}/suggested", headers=user.headers if user else {})
    assert found.status_code == 200, found.text
    result: list[dict[str, Any]] = found.json()
    return result


def _texts(found: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {s["name"]: [r["text"] for r in s["reasons"]] for s in found}


def _task(http: TestClient, user: UserKey, jobs: Jobs, **meta: Any) -> dict[str, Any]:
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", CLASSIFICATION_CSV.encode())},
        data={
            "metadata": json.dumps(
                {
                    "name": meta.get("name", "points"),
                    "default_target_attribute": "label",
                    "visibility": meta.get("visibility", "public"),
                }
            )
        },
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    jobs()
    return create_task(http, user, int(created.json()["id"]), "supervised_classification", 1)


def _run(
    http: TestClient, user: UserKey, task: dict[str, Any], flow: str, accuracy: float = 0.8
) -> int:
    flow_id = upload_flow(http, user, name=flow)["id"]
    got = http.get(f"/api/tasks/{task['id']}/splits", headers=user.headers)
    assert got.status_code == 200, got.text
    table = pq.read_table(io.BytesIO(got.content))
    predictions = classification_predictions(table, task["class_labels"], LABELS, accuracy=accuracy)
    sent = submit_run(http, user, task["id"], flow_id, predictions)
    assert sent.status_code == 201, sent.text
    return int(sent.json()["id"])


def test_people_running_on_your_tasks_are_suggested_with_the_reason(
    http: TestClient, run_jobs: Jobs, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    task = _task(http, alice, run_jobs)
    _run(http, alice, task, "lab.Forest")
    _run(http, bob, task, "lab.Forest")
    _run(http, bob, task, "lab.Boost")
    run_jobs()

    mine = _suggested(http, "alice", alice)
    assert [s["name"] for s in mine] == ["bob"]
    reason = mine[0]["reasons"][0]
    assert reason["signal"] == "tasks"
    assert reason["text"] == "ran 2 flows (2 runs) on 1 of your tasks"
    assert 0 < mine[0]["score"] < 1 and mine[0]["kind"] == "user"
    # Anyone else reads the same evidence about alice, in the third person.
    seen = _texts(_suggested(http, "alice"))
    assert seen == {"bob": ["ran 2 flows (2 runs) on 1 of alice's tasks"]}
    # And the overlap goes both ways.
    assert [s["name"] for s in _suggested(http, "bob", bob)] == ["alice"]
    assert _suggested(http, "carol", carol) == []
    assert http.get("/api/people/nobody/suggested").status_code == 404
    assert http.get("/api/people/alice/suggested", params={"limit": 0}).status_code == 422


def test_private_work_creates_no_suggestion_and_no_reason_for_others(
    http: TestClient, run_jobs: Jobs, admin: UserKey, bob: UserKey, carol: UserKey
) -> None:
    hidden = _task(http, bob, run_jobs, name="secret", visibility="private")
    _run(http, bob, hidden, "lab.Forest")
    _run(http, admin, hidden, "lab.Boost")  # an administrator sees (and runs on) everything
    make_repo(http, bob, "net")
    fork = http.post(
        "/api/models/bob/net/fork", json={"visibility": "private"}, headers=carol.headers
    )
    assert fork.status_code == 201, fork.text
    run_jobs()

    # bob sees his own private task: the administrator ran there. carol's fork is hers alone.
    assert _texts(_suggested(http, "bob", bob)) == {
        "admin": ["ran 1 flow (1 run) on 1 of your tasks"]
    }
    # Nobody else learns of the private task, nor of the private fork.
    assert _suggested(http, "bob") == []
    # carol sees her own fork of bob's model, and nothing of the private task.
    assert _texts(_suggested(http, "bob", carol)) == {"carol": ["forked bob's model net"]}
    assert _suggested(http, "admin", carol) == []
    assert _suggested(http, "admin") == []
    # carol sees her own fork, and so does an administrator; bob does not.
    assert _texts(_suggested(http, "carol", carol)) == {"bob": ["you forked their model bob/net"]}
    assert "bob" in _texts(_suggested(http, "carol", admin))
    assert _suggested(http, "carol", bob) == []
    assert _suggested(http, "bob", bob)[0]["name"] == "admin"


def test_forks_similar_datasets_and_interests_each_give_their_reason(
    http: TestClient,
    upload: Upload,
    run_jobs: Jobs,
    make_user: MakeUser,
    alice: UserKey,
    bob: UserKey,
) -> None:
    dave, erin = make_user("dave"), make_user("erin")
    make_repo(http, alice, "net")
    fork = http.post("/api/models/alice/net/fork", json={}, headers=bob.headers)
    assert fork.status_code == 201, fork.text
    assert upload(alice, name="people").status_code == 201
    assert upload(erin, name="persons").status_code == 201  # the same table: near in qualities
    run_jobs()
    for user, tags in ((alice, ["trees", "nlp"]), (dave, ["Trees"]), (erin, [])):
        edit = {"interests": tags}
        assert http.patch(f"/api/users/{user.name}/profile", json=edit, headers=user.headers)

    found = _suggested(http, "alice", alice)
    assert _texts(found) == {
        "bob": ["forked your model net"],
        "erin": ["owns 1 dataset similar to yours: persons"],
        "dave": ["shares 1 interest: trees"],
    }
    assert [s["name"] for s in found] == ["bob", "erin", "dave"]  # by the signals' weights
    assert [s["reasons"][0]["signal"] for s in found] == ["models", "datasets", "interests"]
    assert _texts(_suggested(http, "bob", bob)) == {"alice": ["you forked their model alice/net"]}
    assert _texts(_suggested(http, "alice", dave))["erin"] == [
        "owns 1 dataset similar to alice's own: persons"
    ]
    limited = http.get("/api/people/alice/suggested", params={"limit": 1}).json()
    assert [s["name"] for s in limited] == ["bob"]


def test_teammates_and_accepted_collaborators_are_left_out(
    http: TestClient, run_jobs: Jobs, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    task = _task(http, alice, run_jobs)
    for user in (alice, bob, carol):
        _run(http, user, task, "lab.Forest")
    run_jobs()
    assert {s["name"] for s in _suggested(http, "alice", alice)} == {"bob", "carol"}

    assert http.post("/api/teams", json={"name": "crew"}, headers=alice.headers).status_code == 201
    invited = http.post(
        "/api/teams/crew/invitations", json={"user": "bob", "role": "read"}, headers=alice.headers
    )
    token = invited.json()["token"]
    assert http.post(f"/api/invitations/{token}/accept", headers=bob.headers).status_code == 200
    call = http.post(
        "/api/calls",
        json={"subject": f"task:{task['id']}", "title": "help wanted"},
        headers=alice.headers,
    ).json()
    offer = http.post(
        f"/api/calls/{call['id']}/responses",
        json={"kind": "volunteer", "message": "I can do this"},
        headers=carol.headers,
    ).json()
    decided = http.post(
        f"/api/calls/{call['id']}/responses/{offer['id']}/accept", headers=alice.headers
    )
    assert decided.status_code == 200, decided.text

    # bob is a teammate, carol an accepted collaborator: they already work with alice.
    assert _suggested(http, "alice", alice) == []
    assert [s["name"] for s in _suggested(http, "carol", carol)] == ["bob"]
    assert [s["name"] for s in _suggested(http, "bob")] == ["carol"]


def test_who_could_help_ranks_the_best_results_on_the_task_and_similar_datasets(
    http: TestClient, run_jobs: Jobs, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    task = _task(http, alice, run_jobs)
    _run(http, alice, task, "lab.Mine", accuracy=0.6)
    _run(http, bob, task, "lab.Forest", accuracy=0.95)
    _run(http, carol, task, "lab.Stump", accuracy=0.5)
    other = _task(http, carol, run_jobs, name="points-again")  # the same table: similar
    _run(http, carol, other, "lab.Stump", accuracy=0.95)
    hidden = _task(http, bob, run_jobs, name="secret", visibility="private")
    _run(http, bob, hidden, "lab.Forest", accuracy=0.99)
    run_jobs()

    found = http.get(f"/api/tasks/{task['id']}/helpers", headers=alice.headers)
    assert found.status_code == 200, found.text
    helpers = found.json()
    assert [h["name"] for h in helpers] == ["bob", "carol"]  # not alice herself
    bob_reasons = [r["text"] for r in helpers[0]["reasons"]]
    assert re.fullmatch(
        r"best predictive_accuracy 0\.\d+ on this task \(1st of 3 people\)", bob_reasons[0]
    ), bob_reasons
    assert f"task {hidden['id']}" not in str(helpers)  # bob's private task counts for nobody else
    carol_reasons = [r["text"] for r in helpers[1]["reasons"]]
    assert any(
        f"on task {other['id']} on points-again, a similar dataset (1st of 1 person)" in t
        for t in carol_reasons
    ), carol_reasons
    assert all(r["signal"] == "results" for h in helpers for r in h["reasons"])
    # Anonymous readers get alice too (carol is best on the similar dataset); a private
    # task's helpers are not found for others.
    anyone = [h["name"] for h in http.get(f"/api/tasks/{task['id']}/helpers").json()]
    assert anyone == ["bob", "carol", "alice"]
    assert http.get(f"/api/tasks/{hidden['id']}/helpers", headers=carol.headers).status_code == 404
    # bob alone ran on his private task: his helpers come from the similar public datasets.
    own = http.get(f"/api/tasks/{hidden['id']}/helpers", headers=bob.headers).json()
    assert {h["name"] for h in own} == {"alice", "carol"}
    assert all("a similar dataset" in r["text"] for h in own for r in h["reasons"])

    by_dataset = http.get(f"/api/datasets/{task['dataset_id']}/helpers", headers=carol.headers)
    assert by_dataset.status_code == 200, by_dataset.text
    names = [h["name"] for h in by_dataset.json()]
    assert names == ["bob", "alice"]  # carol asks: she is left out
    assert "on this dataset" in by_dataset.json()[0]["reasons"][0]["text"]
    missing = http.get(f"/api/datasets/{hidden['dataset_id']}/helpers", headers=carol.headers)
    assert missing.status_code == 404
