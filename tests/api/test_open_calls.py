"""Open calls over the native API: who opens, answers and decides, and that an accepted call
grants exactly the access it names (the one object, read or write) and nothing more.

The access matrix (``test_access_matrix.py``) proves a call on a private object and a
collaborator's grant on every face; these tests prove the rules of the call itself.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Push, Upload
from tests.api.forge import make_repo, random_tensors, tensors_bytes
from tests.conftest import MakeUser, UserKey


@pytest.fixture
def carol(make_user: MakeUser) -> UserKey:
    return make_user("carol")


def _dataset(upload: Upload, user: UserKey, name: str = "people", **meta: Any) -> int:
    created = upload(user, name=name, **meta)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _open(http: TestClient, user: UserKey, subject: str, **fields: Any) -> dict[str, Any]:
    body = {"subject": subject, "title": "help wanted", "skills": ["Gradient Boosting"], **fields}
    opened = http.post("/api/calls", json=body, headers=user.headers)
    assert opened.status_code == 201, opened.text
    result: dict[str, Any] = opened.json()
    return result


def _volunteer(http: TestClient, call: int, user: UserKey, kind: str = "volunteer") -> int:
    sent = http.post(
        f"/api/calls/{call}/responses",
        json={"kind": kind, "message": "I can do this"},
        headers=user.headers,
    )
    assert sent.status_code == 201, sent.text
    return int(sent.json()["id"])


def _decide(http: TestClient, call: int, response: int, decision: str, user: UserKey) -> int:
    return http.post(
        f"/api/calls/{call}/responses/{response}/{decision}", headers=user.headers
    ).status_code


def _edit(http: TestClient, dataset: int, user: UserKey) -> int:
    return http.patch(
        f"/api/datasets/{dataset}", json={"description": f"by {user.name}"}, headers=user.headers
    ).status_code


def test_an_accepted_volunteer_writes_exactly_the_named_dataset_and_nothing_else(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    wanted = _dataset(upload, alice, "wanted")
    other = _dataset(upload, alice, "other")
    call = _open(http, alice, f"dataset:{wanted}")
    assert call["skills"] == ["gradient-boosting"] and call["access"] == "write"
    response = _volunteer(http, call["id"], bob)
    assert _edit(http, wanted, bob) == 403  # pending: nothing granted yet

    assert _decide(http, call["id"], response, "accept", alice) == 200
    assert _edit(http, wanted, bob) == 200
    assert http.get(f"/api/datasets/{wanted}").json()["description"] == "by bob"
    status = http.post(
        f"/api/datasets/{wanted}/status", json={"status": "deactivated"}, headers=bob.headers
    )
    assert status.status_code == 200, status.text
    # Nothing more: not the owner's other dataset, not deleting, not the owner's rights.
    assert _edit(http, other, bob) == 403
    assert http.delete(f"/api/datasets/{wanted}", headers=bob.headers).status_code == 403
    assert http.post("/api/users", json={"name": "mallory"}, headers=bob.headers).status_code == 403
    assert _edit(http, wanted, carol) == 403  # and only for the accepted person
    assert http.get(f"/api/calls/{call['id']}").json()["collaborators"] == ["bob"]


def test_revoking_removes_the_access_on_the_next_request(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    dataset = _dataset(upload, alice)
    call = _open(http, alice, f"dataset:{dataset}")
    response = _volunteer(http, call["id"], bob)
    assert _decide(http, call["id"], response, "accept", alice) == 200
    assert _edit(http, dataset, bob) == 200
    assert _decide(http, call["id"], response, "revoke", bob) == 403  # only the owner side
    assert _decide(http, call["id"], response, "revoke", alice) == 200
    assert _edit(http, dataset, bob) == 403
    detail = http.get(f"/api/calls/{call['id']}").json()
    assert detail["collaborators"] == []
    assert detail["response_list"][0]["state"] == "revoked"
    assert _decide(http, call["id"], response, "revoke", alice) == 409


def test_closing_keeps_grants_and_takes_no_more_responses_or_acceptances(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    dataset = _dataset(upload, alice)
    call = _open(http, alice, f"dataset:{dataset}")
    accepted = _volunteer(http, call["id"], bob)
    pending = _volunteer(http, call["id"], carol, kind="answer")
    assert _decide(http, call["id"], accepted, "accept", alice) == 200
    closed = http.post(f"/api/calls/{call['id']}/close", headers=alice.headers)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert _edit(http, dataset, bob) == 200  # the grant stays
    assert _decide(http, call["id"], pending, "accept", alice) == 409
    late = http.post(
        f"/api/calls/{call['id']}/responses",
        json={"kind": "answer", "message": "too late?"},
        headers=carol.headers,
    )
    assert late.status_code == 409 and "closed" in late.json()["detail"]
    assert http.post(f"/api/calls/{call['id']}/close", headers=alice.headers).status_code == 409
    # Revoking still works after closing.
    assert _decide(http, call["id"], accepted, "revoke", alice) == 200
    assert _edit(http, dataset, bob) == 403


def test_only_the_owner_side_opens_and_decides_and_a_grant_does_not_pass_on(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    dataset = _dataset(upload, alice)
    refused = http.post(
        "/api/calls", json={"subject": f"dataset:{dataset}", "title": "mine?"}, headers=bob.headers
    )
    assert refused.status_code == 403
    call = _open(http, alice, f"dataset:{dataset}")
    bobs = _volunteer(http, call["id"], bob)
    carols = _volunteer(http, call["id"], carol)
    assert _decide(http, call["id"], bobs, "accept", carol) == 403
    assert _decide(http, call["id"], bobs, "accept", alice) == 200
    # bob writes the dataset now, but may not accept others nor open calls on it.
    assert _decide(http, call["id"], carols, "accept", bob) == 403
    again = http.post(
        "/api/calls", json={"subject": f"dataset:{dataset}", "title": "more"}, headers=bob.headers
    )
    assert again.status_code == 403
    assert _decide(http, call["id"], carols, "decline", alice) == 200
    assert _edit(http, dataset, carol) == 403
    assert _decide(http, call["id"], carols, "accept", alice) == 409  # declined stays declined


def test_responding_twice_while_pending_and_to_ones_own_call_is_refused(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    call = _open(http, alice, f"dataset:{_dataset(upload, alice)}")
    _volunteer(http, call["id"], bob)
    twice = http.post(
        f"/api/calls/{call['id']}/responses",
        json={"kind": "answer", "message": "again"},
        headers=bob.headers,
    )
    assert twice.status_code == 409 and "pending" in twice.json()["detail"]
    own = http.post(
        f"/api/calls/{call['id']}/responses",
        json={"kind": "answer", "message": "me"},
        headers=alice.headers,
    )
    assert own.status_code == 422 and "yours" in own.json()["detail"]


def test_a_read_call_grants_read_only_on_a_teams_private_dataset(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    assert http.post("/api/teams", json={"name": "crew"}, headers=alice.headers).status_code == 201
    secret = _dataset(upload, alice, "secret", visibility="private", owner="crew")
    sibling = _dataset(upload, alice, "sibling", visibility="private", owner="crew")
    invite = http.post(
        "/api/teams/crew/invitations", json={"user": "bob", "role": "read"}, headers=alice.headers
    ).json()["token"]
    assert http.post(f"/api/invitations/{invite}/accept", headers=bob.headers).status_code == 200
    call = _open(http, alice, f"dataset:{secret}", access="write")
    response = _volunteer(http, call["id"], bob)
    assert _edit(http, secret, bob) == 403  # a read member does not write
    assert _decide(http, call["id"], response, "accept", alice) == 200
    assert _edit(http, secret, bob) == 200
    assert _edit(http, sibling, bob) == 403  # not the team's other objects
    role = http.patch("/api/teams/crew/members/bob", json={"role": "admin"}, headers=bob.headers)
    assert role.status_code == 403  # nor the team's management


def test_a_call_on_a_private_object_is_not_found_by_those_who_cannot_see_it(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    secret = _dataset(upload, alice, "secret", visibility="private")
    call = _open(http, alice, f"dataset:{secret}", title="private matter")
    public = _open(http, alice, f"dataset:{_dataset(upload, alice)}", title="public matter")
    assert http.get(f"/api/calls/{call['id']}", headers=bob.headers).status_code == 404
    assert http.get(f"/api/calls/{call['id']}").status_code == 404
    listed = [c["id"] for c in http.get("/api/calls", headers=bob.headers).json()]
    assert listed == [public["id"]]
    assert [c["id"] for c in http.get("/api/calls", headers=alice.headers).json()] == [
        public["id"],
        call["id"],
    ]
    answered = http.post(
        f"/api/calls/{call['id']}/responses",
        json={"kind": "answer", "message": "hi"},
        headers=bob.headers,
    )
    assert answered.status_code == 404
    by_subject = http.get(
        "/api/calls", params={"subject": f"dataset:{secret}"}, headers=bob.headers
    )
    assert by_subject.status_code == 404


def test_listing_filters_by_skill_state_subject_and_author(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    first = _dataset(upload, alice, "first")
    boosting = _open(http, alice, f"dataset:{first}", skills=["gradient_boosting"])
    expert = _open(http, bob, f"dataset:{_dataset(upload, bob, 'b')}", skills=["Domain Expert"])
    http.post(f"/api/calls/{expert['id']}/close", headers=bob.headers)

    def ids(**params: str) -> list[int]:
        found = http.get("/api/calls", params=params)
        assert found.status_code == 200, found.text
        return [c["id"] for c in found.json()]

    assert ids() == [boosting["id"]]
    assert ids(state="all") == [expert["id"], boosting["id"]]
    assert ids(state="closed", skill="domain expert") == [expert["id"]]
    assert ids(skill="Gradient Boosting") == [boosting["id"]]
    assert ids(subject=f"dataset:{first}") == [boosting["id"]]
    assert ids(author="bob", state="all") == [expert["id"]]
    bad = http.get("/api/calls", params={"skill": "no/slash"})
    assert bad.status_code == 422 and "skill" in bad.json()["detail"]


def test_a_write_call_on_a_model_lets_the_collaborator_push_but_not_change_visibility(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push
) -> None:
    make_repo(http, alice, "net")
    make_repo(http, alice, "other")
    weights = tensors_bytes(random_tensors(2, 4))
    assert push(bob, "alice/net", weights).status_code == 403
    call = _open(http, alice, "model:alice/net")
    assert call["subject"] == "model:alice/net" and call["subject_page"] == "/models/alice/net"
    response = _volunteer(http, call["id"], bob)
    assert _decide(http, call["id"], response, "accept", alice) == 200
    assert push(bob, "alice/net", weights).status_code == 201
    assert push(bob, "alice/other", weights).status_code == 403
    described = http.patch(
        "/api/models/alice/net", json={"description": "tuned"}, headers=bob.headers
    )
    assert described.status_code == 200
    hidden = http.patch(
        "/api/models/alice/net", json={"visibility": "private"}, headers=bob.headers
    )
    assert hidden.status_code == 403


def test_a_read_call_gives_no_write(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    dataset = _dataset(upload, alice)
    call = _open(http, alice, f"dataset:{dataset}", access="read")
    response = _volunteer(http, call["id"], bob, kind="answer")
    assert _decide(http, call["id"], response, "accept", alice) == 200
    assert _edit(http, dataset, bob) == 403


def test_bad_subjects_are_named(http: TestClient, alice: UserKey) -> None:
    missing = http.post(
        "/api/calls", json={"subject": "dataset:999", "title": "x"}, headers=alice.headers
    )
    assert missing.status_code == 404
    flow = http.post("/api/calls", json={"subject": "flow:1", "title": "x"}, headers=alice.headers)
    assert flow.status_code == 422 and "subject" in flow.text


def test_deleting_the_object_deletes_its_calls_and_grants(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    dataset = _dataset(upload, alice, "doomed")
    call = _open(http, alice, f"dataset:{dataset}")
    response = _volunteer(http, call["id"], bob)
    assert _decide(http, call["id"], response, "accept", alice) == 200
    assert http.delete(f"/api/datasets/{dataset}", headers=alice.headers).status_code == 204
    assert http.get(f"/api/calls/{call['id']}").status_code == 404
    # A dataset made afterwards (SQLite may give it the same id) is not bob's to edit.
    again = _dataset(upload, alice, "doomed")
    assert _edit(http, again, bob) == 403


def test_a_repository_made_private_stays_visible_to_its_collaborator_only(
    http: TestClient, alice: UserKey, bob: UserKey, carol: UserKey, push: Push
) -> None:
    make_repo(http, alice, "net")
    call = _open(http, alice, "model:alice/net")
    response = _volunteer(http, call["id"], bob)
    assert _decide(http, call["id"], response, "accept", alice) == 200
    hidden = http.patch(
        "/api/models/alice/net", json={"visibility": "private"}, headers=alice.headers
    )
    assert hidden.status_code == 200, hidden.text
    assert http.get("/api/models/alice/net", headers=bob.headers).status_code == 200
    assert "alice/net" in {
        r["full_name"] for r in http.get("/api/models", headers=bob.headers).json()
    }
    assert http.get("/api/models/alice/net", headers=carol.headers).status_code == 404
    assert http.get(f"/api/calls/{call['id']}", headers=carol.headers).status_code == 404
    assert push(bob, "alice/net", tensors_bytes(random_tensors(2, 4))).status_code == 201
    assert _decide(http, call["id"], response, "revoke", alice) == 200
    assert http.get("/api/models/alice/net", headers=bob.headers).status_code == 404
