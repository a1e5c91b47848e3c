"""Activity feeds, watches and the notifications inbox: who is told what, and that private
stays private on every read (re-checked at read time, not only when the event was written)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mlhive import Client
from mlhive.server.wiring import Hive
from tests.api.conftest import CSV, Upload
from tests.api.forge import make_repo
from tests.api.reproductions import make_task, original_run
from tests.conftest import MakeUser, UserKey


@pytest.fixture
def carol(make_user: MakeUser) -> UserKey:
    return make_user("carol")


_made = iter(range(1, 10_000))


def _dataset(upload: Upload, user: UserKey, name: str = "people", **meta: Any) -> int:
    """A new dataset (each with its own rows, so no upload is a duplicate of another)."""
    created = upload(user, content=CSV + f"{next(_made)},red,1.70,yes,x\n", name=name, **meta)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _inbox(http: TestClient, user: UserKey, **params: Any) -> dict[str, Any]:
    got = http.get("/api/notifications", params=params, headers=user.headers)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


def _told(http: TestClient, user: UserKey) -> list[tuple[str, str, str, str]]:
    return [
        (n["reason"], n["event"]["verb"], n["event"]["actor"], n["event"]["subject"])
        for n in _inbox(http, user)["items"]
    ]


def _feed(http: TestClient, url: str, user: UserKey | None = None) -> list[tuple[str, str]]:
    got = http.get(url, headers=user.headers if user else {})
    assert got.status_code == 200, got.text
    return [(e["verb"], e["subject"]) for e in got.json()["items"]]


def _watch(http: TestClient, user: UserKey, target: str) -> int:
    return http.put("/api/watches", json={"target": target}, headers=user.headers).status_code


def test_a_mention_notifies_the_mentioned_and_the_owner_but_never_the_author(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    dataset = _dataset(upload, alice)
    opened = http.post(
        f"/api/datasets/{dataset}/discussions",
        json={"title": "Labels?", "body": "@carol is the label column noisy?"},
        headers=bob.headers,
    )
    assert opened.status_code == 201, opened.text
    subject = f"dataset:{dataset}"
    assert _told(http, carol) == [("mention", "discussion.opened", "bob", subject)]
    # alice owns the dataset (and watches it since she published it)
    assert ("owner", "discussion.opened", "bob", subject) in _told(http, alice)
    assert _told(http, bob) == []
    page = _inbox(http, carol)
    assert page["unread"] == 1 and page["items"][0]["event"]["extra"]["title"] == "Labels?"
    assert page["items"][0]["event"]["subject_page"] == f"/datasets/{dataset}"

    # An edit that names someone new tells them, and only them.
    thread = opened.json()
    post = thread["thread"][0]["id"]
    edited = http.patch(
        f"/api/discussions/{thread['id']}/posts/{post}",
        json={"body": "@carol @alice is the label column noisy?"},
        headers=bob.headers,
    )
    assert edited.status_code == 200, edited.text
    assert [n[:2] for n in _told(http, carol)] == [("mention", "discussion.opened")]
    assert _told(http, alice)[0][:2] == ("mention", "discussion.mentioned")


def test_a_mention_on_a_private_object_does_not_reach_who_cannot_see_it(
    http: TestClient, upload: Upload, alice: UserKey, carol: UserKey
) -> None:
    dataset = _dataset(upload, alice, visibility="private")
    opened = http.post(
        f"/api/datasets/{dataset}/discussions",
        json={"title": "note", "body": "@carol look"},
        headers=alice.headers,
    )
    assert opened.status_code == 201
    assert _told(http, carol) == []
    assert _feed(http, "/api/users/alice/activity", carol) == []


def test_a_watcher_is_notified_of_a_new_dataset_version(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    first = _dataset(upload, alice, name="iris")
    assert _watch(http, bob, f"dataset:{first}") == 201
    assert _watch(http, bob, f"dataset:{first}") == 200  # already watching: no second watch
    second = _dataset(upload, alice, name="iris", description="fixed labels")
    told = _inbox(http, bob)
    assert [(n["reason"], n["event"]["verb"], n["event"]["subject"]) for n in told["items"]] == [
        ("watch", "dataset.version", f"dataset:{second}")
    ]
    assert told["items"][0]["event"]["extra"] == {"name": "iris", "version": 2}
    assert _told(http, carol) == []  # not watching
    assert _told(http, alice) == []  # her own action
    listed = http.get("/api/watches", headers=bob.headers).json()
    assert [w["target"] for w in listed] == [f"dataset:{first}"]
    assert (
        http.delete(
            "/api/watches", params={"target": f"dataset:{first}"}, headers=bob.headers
        ).status_code
        == 204
    )
    _dataset(upload, alice, name="iris", description="third")
    assert len(_inbox(http, bob)["items"]) == 1  # no longer watching
    assert (
        http.delete(
            "/api/watches", params={"target": f"dataset:{first}"}, headers=bob.headers
        ).status_code
        == 404
    )


def test_watching_a_person_and_what_cannot_be_watched(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    assert _watch(http, bob, "person:alice") == 201
    dataset = _dataset(upload, alice, name="weather")
    assert _told(http, bob) == [("watch", "dataset.created", "alice", f"dataset:{dataset}")]
    hidden = _dataset(upload, alice, name="secret", visibility="private")
    assert _watch(http, bob, f"dataset:{hidden}") == 404  # as if it did not exist
    assert _watch(http, bob, "person:nobody") == 404
    refused = http.put("/api/watches", json={"target": "dataset:x"}, headers=bob.headers)
    assert refused.status_code == 422
    assert _watch(http, bob, "team:ghosts") == 404
    # an id no row can have (beyond the database's integers) is unknown, not a server error
    assert _watch(http, bob, "study:9473028713") == 404
    # alice's private dataset never reached bob, although he watches her
    assert [n[3] for n in _told(http, bob)] == [f"dataset:{dataset}"]


def test_feeds_hide_private_objects_and_follow_changes_of_visibility(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    public = _dataset(upload, alice, name="open")
    private = _dataset(upload, alice, name="closed", visibility="private")
    mine = _feed(http, "/api/users/alice/activity", alice)
    assert mine == [
        ("dataset.created", f"dataset:{private}"),
        ("dataset.created", f"dataset:{public}"),
    ]
    assert _feed(http, "/api/users/alice/activity", bob) == [
        ("dataset.created", f"dataset:{public}")
    ]
    assert _feed(http, "/api/users/alice/activity") == [("dataset.created", f"dataset:{public}")]
    assert http.get(f"/api/datasets/{private}/activity", headers=bob.headers).status_code == 404
    assert _feed(http, f"/api/datasets/{public}/activity") == [
        ("dataset.created", f"dataset:{public}")
    ]
    # Made private after the event: gone from bob's view on the next request.
    make_repo(http, alice, "net")
    assert _watch(http, bob, "model:alice/net") == 201
    http.post(
        "/api/models/alice/net/discussions",
        json={"title": "t", "body": "b"},
        headers=alice.headers,
    )
    assert _told(http, bob) == [("watch", "discussion.opened", "alice", "model:alice/net")]
    assert ("model.created", "model:alice/net") in _feed(http, "/api/users/alice/activity", bob)
    hid = http.patch("/api/models/alice/net", json={"visibility": "private"}, headers=alice.headers)
    assert hid.status_code == 200, hid.text
    assert ("model.created", "model:alice/net") not in _feed(http, "/api/users/alice/activity", bob)
    assert _inbox(http, bob) == {"items": [], "next_before": None, "unread": 0}
    assert http.get("/api/watches", headers=bob.headers).json() == []
    shown = http.patch(
        "/api/models/alice/net", json={"visibility": "public"}, headers=alice.headers
    )
    assert shown.status_code == 200
    assert _inbox(http, bob)["unread"] == 1  # told once, shown again when it is public again
    assert _feed(http, "/api/models/alice/net/activity", alice)[0] == (
        "discussion.opened",
        "model:alice/net",
    )


def test_feed_pages_follow_the_cursor(http: TestClient, upload: Upload, alice: UserKey) -> None:
    ids = [_dataset(upload, alice, name=f"d{i}") for i in range(5)]
    first = http.get("/api/users/alice/activity", params={"limit": 2}).json()
    assert [e["subject"] for e in first["items"]] == [f"dataset:{ids[4]}", f"dataset:{ids[3]}"]
    second = http.get(
        "/api/users/alice/activity", params={"limit": 2, "before": first["next_before"]}
    ).json()
    assert [e["subject"] for e in second["items"]] == [f"dataset:{ids[2]}", f"dataset:{ids[1]}"]
    third = http.get(
        "/api/users/alice/activity", params={"limit": 2, "before": second["next_before"]}
    ).json()
    assert [e["subject"] for e in third["items"]] == [f"dataset:{ids[0]}"]
    assert third["next_before"] is None
    assert http.get("/api/users/nobody/activity").status_code == 404


def test_a_removed_team_member_stops_seeing_the_teams_private_events_at_once(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    assert http.post("/api/teams", json={"name": "crew"}, headers=alice.headers).status_code == 201
    invited = http.post(
        "/api/teams/crew/invitations", json={"user": "bob", "role": "read"}, headers=alice.headers
    )
    token = invited.json()["token"]
    assert http.post(f"/api/invitations/{token}/accept", headers=bob.headers).status_code == 200
    assert _feed(http, "/api/teams/crew/activity") == [("team.joined", "team:crew")]
    assert _watch(http, bob, "team:crew") == 201
    dataset = _dataset(upload, alice, name="inside", visibility="private", owner="crew")
    subject = f"dataset:{dataset}"
    assert ("dataset.created", subject) in _feed(http, "/api/teams/crew/activity", bob)
    assert ("watch", "dataset.created", "alice", subject) in _told(http, bob)
    assert ("dataset.created", subject) not in _feed(http, "/api/teams/crew/activity")

    removed = http.delete("/api/teams/crew/members/bob", headers=alice.headers)
    assert removed.status_code in (200, 204), removed.text
    assert ("dataset.created", subject) not in _feed(http, "/api/teams/crew/activity", bob)
    assert all(n[3] != subject for n in _told(http, bob))
    assert ("team.removed", "team:crew") in _feed(http, "/api/teams/crew/activity", bob)
    assert ("owner", "team.removed", "alice", "team:crew") in _told(http, bob)


def test_marking_notifications_read(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    assert _watch(http, bob, "person:alice") == 201
    for name in ("a", "b", "c"):
        _dataset(upload, alice, name=name)
    page = _inbox(http, bob)
    assert page["unread"] == 3 and len(page["items"]) == 3
    newest = page["items"][0]["id"]
    marked = http.post("/api/notifications/read", json={"ids": [newest]}, headers=bob.headers)
    assert marked.json() == {"marked": 1, "unread": 2}
    unread = _inbox(http, bob, unread=True)
    assert [n["id"] for n in unread["items"]] == [n["id"] for n in page["items"][1:]]
    assert _inbox(http, bob)["items"][0]["read_at"] is not None
    # alice cannot mark bob's notifications
    theirs = http.post("/api/notifications/read", json={"ids": [newest]}, headers=alice.headers)
    assert theirs.json()["marked"] == 0
    both = http.post("/api/notifications/read", json={"ids": [1], "all": True}, headers=bob.headers)
    assert both.status_code == 422 and "ids" in both.json()["detail"]
    everything = http.post("/api/notifications/read", json={"all": True}, headers=bob.headers)
    assert everything.json() == {"marked": 2, "unread": 0}
    assert http.get("/api/notifications").status_code == 401


@pytest.fixture
def client_of(http: TestClient, tmp_path: Path) -> Iterator[Any]:
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


def test_runs_on_your_task_and_reproductions_of_your_run_notify_you(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, client_of: Any
) -> None:
    task_id = make_task(hive, alice, "repro")
    run_id = original_run(hive, client_of(bob), task_id)
    assert ("owner", "run.uploaded", "bob", f"run:{run_id}") in _told(http, alice)
    asked = http.post(f"/api/runs/{run_id}/reproductions", json={}, headers=alice.headers)
    assert asked.status_code == 202, asked.text
    hive.worker.drain()
    told = _inbox(http, bob)["items"]
    reproduced = [n for n in told if n["event"]["verb"] == "run.reproduced"]
    assert len(reproduced) == 1 and reproduced[0]["reason"] == "owner"
    assert reproduced[0]["event"]["extra"]["outcome"] == "reproduced"
    assert reproduced[0]["event"]["subject"] == f"run:{run_id}"
    assert ("run.reproduced", f"run:{run_id}") in _feed(http, f"/api/runs/{run_id}/activity")


def test_a_response_to_your_call_notifies_you_and_acceptance_notifies_the_responder(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    dataset = _dataset(upload, alice)
    opened = http.post(
        "/api/calls",
        json={"subject": f"dataset:{dataset}", "title": "clean it", "access": "write"},
        headers=alice.headers,
    )
    assert opened.status_code == 201, opened.text
    call = opened.json()["id"]
    sent = http.post(
        f"/api/calls/{call}/responses",
        json={"kind": "volunteer", "message": "me"},
        headers=bob.headers,
    )
    response = sent.json()["id"]
    assert ("owner", "call.responded", "bob", f"dataset:{dataset}") in _told(http, alice)
    accepted = http.post(f"/api/calls/{call}/responses/{response}/accept", headers=alice.headers)
    assert accepted.status_code == 200, accepted.text
    assert ("owner", "call.accepted", "alice", f"dataset:{dataset}") in _told(http, bob)
    verbs = [v for v, _ in _feed(http, f"/api/datasets/{dataset}/activity")]
    assert verbs == ["call.accepted", "call.responded", "call.opened", "dataset.created"]


def test_a_deleted_dataset_takes_its_events_watches_and_notifications_along(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    assert _watch(http, bob, "person:alice") == 201
    dataset = _dataset(upload, alice, name="short-lived")
    assert _watch(http, bob, f"dataset:{dataset}") == 201
    assert len(_told(http, bob)) == 1
    gone = http.delete(f"/api/datasets/{dataset}", headers=alice.headers)
    assert gone.status_code == 204, gone.text
    assert _told(http, bob) == [] and _inbox(http, bob)["unread"] == 0
    assert _feed(http, "/api/users/alice/activity", alice) == []
    assert [w["target"] for w in http.get("/api/watches", headers=bob.headers).json()] == [
        "person:alice"
    ]
