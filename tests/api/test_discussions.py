"""Discussions on every object: threads, replies, edits with history, moderation, mentions,
references that link only for readers who may see their target, and visibility that follows
the object discussed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Upload
from tests.api.experiments import one_of_each
from tests.api.forge import Push, tensors_bytes
from tests.conftest import UserKey


def open_thread(
    http: TestClient, user: UserKey, url: str, title: str = "Label noise?", body: str = "Hi"
) -> dict[str, Any]:
    response = http.post(url, json={"title": title, "body": body}, headers=user.headers)
    assert response.status_code == 201, response.text
    thread: dict[str, Any] = response.json()
    return thread


def dataset_url(upload: Upload, user: UserKey, **metadata: Any) -> tuple[int, str]:
    created = upload(user, **metadata)
    assert created.status_code == 201, created.text
    dataset_id = int(created.json()["id"])
    return dataset_id, f"/api/datasets/{dataset_id}/discussions"


def test_a_thread_with_a_reply_is_listed_on_its_object(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    dataset_id, url = dataset_url(upload, alice)
    thread = open_thread(http, bob, url, body="Is the **label** column noisy?")
    assert thread["subject"] == f"dataset:{dataset_id}"
    assert thread["subject_page"] == f"/datasets/{dataset_id}"
    assert (thread["author"], thread["state"], thread["posts"]) == ("bob", "open", 1)

    replied = http.post(
        f"/api/discussions/{thread['id']}/replies",
        json={"body": "A little.", "reply_to": thread["thread"][0]["id"]},
        headers=alice.headers,
    )
    assert replied.status_code == 201, replied.text
    assert replied.json()["reply_to"] == thread["thread"][0]["id"]

    read = http.get(f"/api/discussions/{thread['id']}").json()
    assert [(p["author"], p["body"]) for p in read["thread"]] == [
        ("bob", "Is the **label** column noisy?"),
        ("alice", "A little."),
    ]
    listed = http.get(url).json()
    assert [(t["id"], t["title"], t["posts"]) for t in listed] == [
        (thread["id"], "Label noise?", 2)
    ]
    assert http.post(url, json={"title": "x", "body": "y"}).status_code == 401
    empty = http.post(url, json={"title": "  ", "body": "y"}, headers=bob.headers)
    assert empty.status_code == 422 and empty.json()["errors"][0]["loc"] == ["body", "title"]
    elsewhere = http.post(
        f"/api/discussions/{thread['id']}/replies",
        json={"body": "x", "reply_to": 999_999},
        headers=bob.headers,
    )
    assert elsewhere.status_code == 422 and "reply_to" in elsewhere.json()["detail"]


@pytest.mark.parametrize("kind", ["task", "flow", "run"])
def test_every_experiment_object_takes_threads(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int], kind: str
) -> None:
    object_id = one_of_each(http, alice, run_jobs)[kind]
    thread = open_thread(http, bob, f"/api/{kind}s/{object_id}/discussions")
    assert thread["subject"] == f"{kind}:{object_id}"
    assert [t["id"] for t in http.get(f"/api/{kind}s/{object_id}/discussions").json()] == [
        thread["id"]
    ]
    missing = http.get(f"/api/{kind}s/999999/discussions")
    assert missing.status_code == 404 and f"{kind} 999999" in missing.json()["detail"]


def test_mentions_of_existing_users_are_stored(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    _, url = dataset_url(upload, alice)
    thread = open_thread(http, alice, url, body="@bob could you look? cc @nobody-here, `@alice`")
    assert thread["thread"][0]["mentions"] == ["bob"]
    edited = http.patch(
        f"/api/discussions/{thread['id']}/posts/{thread['thread'][0]['id']}",
        json={"body": "@alice and @bob, please"},
        headers=alice.headers,
    ).json()
    assert edited["mentions"] == ["alice", "bob"]


def test_a_reference_links_only_for_readers_who_can_see_its_target(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    public_id, url = dataset_url(upload, alice)
    private_id, _ = dataset_url(upload, alice, visibility="private")
    body = f"Compare with dataset:{private_id} and dataset:{public_id}; not dataset:999999."
    thread = open_thread(http, alice, url, body=body)

    def links(user: UserKey | None) -> list[tuple[str, str]]:
        headers = user.headers if user else {}
        read = http.get(f"/api/discussions/{thread['id']}", headers=headers).json()
        return [(r["ref"], r["page"]) for r in read["thread"][0]["references"]]

    assert links(alice) == [
        (f"dataset:{private_id}", f"/datasets/{private_id}"),
        (f"dataset:{public_id}", f"/datasets/{public_id}"),
    ]
    assert links(bob) == links(None) == [(f"dataset:{public_id}", f"/datasets/{public_id}")]


def test_a_thread_on_a_private_dataset_is_private(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, admin: UserKey
) -> None:
    _, url = dataset_url(upload, alice, visibility="private")
    thread = open_thread(http, alice, url, title="Secret plans")
    path = f"/api/discussions/{thread['id']}"
    post = thread["thread"][0]["id"]
    for who in (None, bob):
        headers = who.headers if who else {}
        assert http.get(url, headers=headers).status_code == 404
        hidden = http.get(path, headers=headers)
        assert hidden.status_code == 404 and hidden.json()["detail"] == (
            f"discussion {thread['id']} not found"
        )
        assert http.get(f"{path}/posts/{post}/history", headers=headers).status_code == 404
        listed = http.get("/api/discussions", headers=headers).json()
        assert thread["id"] not in [t["id"] for t in listed]
    for verb, suffix, body in (
        ("POST", "/replies", {"body": "let me in"}),
        ("POST", "/close", None),
        ("PATCH", f"/posts/{post}", {"body": "mine now"}),
    ):
        refused = http.request(verb, path + suffix, json=body, headers=bob.headers)
        assert refused.status_code == 404, suffix
    assert http.post(url, json={"title": "x", "body": "y"}, headers=bob.headers).status_code == 404
    for who in (alice, admin):
        assert http.get(path, headers=who.headers).json()["title"] == "Secret plans"
        listed = http.get("/api/discussions", headers=who.headers).json()
        assert thread["id"] in [t["id"] for t in listed]


def test_a_locked_thread_refuses_replies_until_unlocked(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    _, url = dataset_url(upload, alice)
    thread = open_thread(http, bob, url)
    path = f"/api/discussions/{thread['id']}"
    assert http.post(f"{path}/lock", headers=bob.headers).status_code == 403
    locked = http.post(f"{path}/lock", headers=alice.headers)
    assert locked.status_code == 200 and locked.json()["locked"] is True
    refused = http.post(f"{path}/replies", json={"body": "one more"}, headers=bob.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "conflict" and "locked" in refused.json()["detail"]
    again = http.post(f"{path}/lock", headers=alice.headers)
    assert again.status_code == 409 and "already locked" in again.json()["detail"]
    assert http.post(f"{path}/unlock", headers=alice.headers).json()["locked"] is False
    assert http.post(f"{path}/replies", json={"body": "ok"}, headers=bob.headers).status_code == 201


def test_owner_pins_and_the_author_closes_their_own_thread(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, make_user: Any
) -> None:
    _, url = dataset_url(upload, alice)
    first = open_thread(http, bob, url, title="first")
    second = open_thread(http, bob, url, title="second")
    carol = make_user("carol")
    assert http.post(f"/api/discussions/{first['id']}/pin", headers=bob.headers).status_code == 403
    assert http.post(f"/api/discussions/{first['id']}/pin", headers=alice.headers).json()["pinned"]
    assert [t["title"] for t in http.get(url).json()] == ["first", "second"]

    close = f"/api/discussions/{second['id']}/close"
    assert http.post(close, headers=carol.headers).status_code == 403
    assert http.post(close, headers=bob.headers).json()["state"] == "closed"
    reopened = http.post(f"/api/discussions/{second['id']}/reopen", headers=alice.headers)
    assert reopened.json()["state"] == "open"


def test_edits_keep_every_earlier_version(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    _, url = dataset_url(upload, alice)
    thread = open_thread(http, bob, url, body="v1")
    post = thread["thread"][0]
    path = f"/api/discussions/{thread['id']}/posts/{post['id']}"
    assert post["edited_at"] is None and post["edits"] == 0
    assert http.patch(path, json={"body": "hijack"}, headers=alice.headers).status_code == 403
    for body in ("v2", "v3"):
        edited = http.patch(path, json={"body": body}, headers=bob.headers)
        assert edited.status_code == 200, edited.text
    assert edited.json()["body"] == "v3" and edited.json()["edits"] == 2
    assert edited.json()["edited_at"] is not None
    history = http.get(f"{path}/history").json()
    assert [(v["body"], v["editor"]) for v in history] == [("v1", "bob"), ("v2", "bob")]
    assert history[0]["replaced_at"] == history[1]["written_at"]
    assert http.get(f"/api/discussions/{thread['id']}/posts/999999/history").status_code == 404


def test_model_repositories_take_threads(http: TestClient, alice: UserKey, bob: UserKey) -> None:
    created = http.post("/api/models", json={"name": "net"}, headers=alice.headers)
    assert created.status_code == 201, created.text
    thread = open_thread(http, bob, "/api/models/alice/net/discussions", body="see model:alice/net")
    assert (thread["subject"], thread["subject_page"]) == ("model:alice/net", "/models/alice/net")
    assert thread["thread"][0]["references"] == [
        {"ref": "model:alice/net", "kind": "model", "page": "/models/alice/net"}
    ]
    assert http.get("/api/models/alice/nope/discussions").status_code == 404


def test_suites_and_studies_take_threads_as_private_as_they_are(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    made = one_of_each(http, alice, run_jobs)
    members = {"suites": {"task_ids": [made["task"]]}, "studies": {"run_ids": [made["run"]]}}
    for noun, body in members.items():
        created = http.post(
            f"/api/{noun}",
            json={"name": f"private {noun}", "visibility": "private", **body},
            headers=alice.headers,
        )
        assert created.status_code == 201, created.text
        url = f"/api/{noun}/{created.json()['id']}/discussions"
        thread = open_thread(http, alice, url)
        assert thread["subject_page"] == f"/{noun}/{created.json()['id']}"
        assert http.get(url, headers=bob.headers).status_code == 404
        assert http.get(f"/api/discussions/{thread['id']}", headers=bob.headers).status_code == 404
        assert [t["id"] for t in http.get(url, headers=alice.headers).json()] == [thread["id"]]


def test_merge_request_comments_are_a_discussion_thread_of_the_repository(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push
) -> None:
    http.post("/api/models", json={"name": "net", "visibility": "private"}, headers=alice.headers)
    first = push(alice, "alice/net", tensors_bytes({"w": np.zeros(2, np.float32)}))
    assert first.status_code == 201, first.text
    branch = {"name": "better", "ref": first.json()["id"]}
    assert http.post(
        "/api/models/alice/net/branches", json=branch, headers=alice.headers
    ).is_success
    pushed = push(alice, "alice/net", tensors_bytes({"w": np.ones(2, np.float32)}), branch="better")
    assert pushed.status_code == 201, pushed.text
    opened = http.post(
        "/api/models/alice/net/merge-requests",
        json={"source_branch": "better", "title": "ones"},
        headers=alice.headers,
    )
    assert opened.status_code == 201, opened.text
    comments = "/api/models/alice/net/merge-requests/1/comments"
    comment = http.post(comments, json={"body": "@bob please review"}, headers=alice.headers)
    assert comment.status_code == 201, comment.text

    (thread,) = http.get("/api/discussions", headers=alice.headers).json()
    assert (thread["title"], thread["subject"]) == ("ones", "model:alice/net")
    post = http.get(f"/api/discussions/{thread['id']}", headers=alice.headers).json()["thread"][0]
    assert (post["id"], post["mentions"]) == (comment.json()["id"], ["bob"])
    assert http.get(f"/api/discussions/{thread['id']}", headers=bob.headers).status_code == 404
    assert http.post(f"/api/discussions/{thread['id']}/lock", headers=alice.headers).json()[
        "locked"
    ]
    refused = http.post(comments, json={"body": "late"}, headers=alice.headers)
    assert refused.status_code == 409 and "locked" in refused.json()["detail"]
