"""Profiles over the native API: who edits them, how interests are normalised, and that
contributions are counted only over what the reader may see."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.accounts import UserInterest
from mlhive.server.services.social import profiles
from mlhive.server.wiring import Hive
from tests.api.conftest import Upload
from tests.api.forge import make_repo
from tests.conftest import UserKey


def _profile(http: TestClient, name: str, user: UserKey | None = None) -> dict[str, Any]:
    found = http.get(f"/api/users/{name}/profile", headers=user.headers if user else {})
    assert found.status_code == 200, found.text
    result: dict[str, Any] = found.json()
    return result


def test_a_person_edits_their_own_profile_and_interests_are_normalised(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    edit = {
        "bio": "I **like** trees",
        "affiliation": " Hive Lab ",
        "interests": ["Gradient Boosting", "gradient_boosting", "NLP"],
    }
    changed = http.patch("/api/users/alice/profile", json=edit, headers=alice.headers)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["interests"] == ["gradient-boosting", "nlp"]
    assert body["affiliation"] == "Hive Lab" and body["bio"] == "I **like** trees"
    assert _profile(http, "alice")["interests"] == ["gradient-boosting", "nlp"]
    # Only the interests given replace the list; other fields stay.
    http.patch("/api/users/alice/profile", json={"interests": ["nlp"]}, headers=alice.headers)
    again = _profile(http, "alice")
    assert again["interests"] == ["nlp"] and again["affiliation"] == "Hive Lab"
    # Queryable by tag, in any spelling.
    with transaction(hive.sessions) as session:
        assert profiles.interested_in(session, "NLP") == [alice.id]
        rows = session.scalars(select(UserInterest.tag).where(UserInterest.user_id == alice.id))
        assert list(rows) == ["nlp"]

    refused = http.patch("/api/users/alice/profile", json={"bio": "hacked"}, headers=bob.headers)
    assert refused.status_code == 403
    assert _profile(http, "alice")["bio"] == "I **like** trees"
    anonymous = http.patch("/api/users/alice/profile", json={"bio": "hacked"})
    assert anonymous.status_code == 401


def test_a_bad_interest_is_named_and_nothing_changes(http: TestClient, alice: UserKey) -> None:
    http.patch("/api/users/alice/profile", json={"interests": ["nlp"]}, headers=alice.headers)
    bad = http.patch(
        "/api/users/alice/profile",
        json={"interests": ["ok", "no/slashes"], "affiliation": "X"},
        headers=alice.headers,
    )
    assert bad.status_code == 422
    assert "no/slashes" in bad.json()["detail"] and "interests" in bad.json()["detail"]
    kept = _profile(http, "alice")
    assert kept["interests"] == ["nlp"] and kept["affiliation"] == ""


def test_contributions_count_only_what_the_reader_may_see(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, admin: UserKey
) -> None:
    assert upload(alice, name="open").status_code == 201
    assert upload(alice, name="secret", visibility="private").status_code == 201
    make_repo(http, alice, "net")
    make_repo(http, alice, "hidden", visibility="private")
    call = http.post(
        "/api/calls", json={"subject": "model:alice/net", "title": "tune me"}, headers=alice.headers
    ).json()
    http.post(
        f"/api/calls/{call['id']}/responses",
        json={"kind": "answer", "message": "try a lower learning rate"},
        headers=bob.headers,
    )
    hidden = http.post(
        "/api/calls", json={"subject": "model:alice/hidden", "title": "x"}, headers=alice.headers
    ).json()
    assert hidden["id"] > call["id"]

    seen_by_bob = _profile(http, "alice", bob)["contributions"]
    assert (seen_by_bob["datasets"], seen_by_bob["models"]) == (1, 1)
    seen_by_alice = _profile(http, "alice", alice)["contributions"]
    assert (seen_by_alice["datasets"], seen_by_alice["models"]) == (2, 2)
    assert _profile(http, "alice", admin)["contributions"]["datasets"] == 2
    assert _profile(http, "bob")["contributions"]["call_responses"] == 1
    assert _profile(http, "alice")["contributions"]["reproductions"] == 0
    # Whether someone administers the server stays theirs to know.
    assert _profile(http, "alice", bob)["is_admin"] is None
    assert _profile(http, "alice", alice)["is_admin"] is False


def test_discussion_posts_on_private_objects_are_not_counted_for_others(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    public = upload(alice, name="open").json()["id"]
    secret = upload(alice, name="secret", visibility="private").json()["id"]
    for dataset in (public, secret):
        opened = http.post(
            f"/api/datasets/{dataset}/discussions",
            json={"title": "notes", "body": "first"},
            headers=alice.headers,
        )
        assert opened.status_code == 201, opened.text
    assert _profile(http, "alice", alice)["contributions"]["discussion_posts"] == 2
    assert _profile(http, "alice", bob)["contributions"]["discussion_posts"] == 1


def test_a_teams_profile_is_edited_by_its_admins_only(
    http: TestClient, alice: UserKey, bob: UserKey
) -> None:
    assert http.post("/api/teams", json={"name": "crew"}, headers=alice.headers).status_code == 201
    token = http.post(
        "/api/teams/crew/invitations", json={"user": "bob", "role": "write"}, headers=alice.headers
    ).json()["token"]
    http.post(f"/api/invitations/{token}/accept", headers=bob.headers)
    edit = {"bio": "we build trees"}
    assert http.patch("/api/users/crew/profile", json=edit, headers=bob.headers).status_code == 403
    assert (
        http.patch("/api/users/crew/profile", json=edit, headers=alice.headers).status_code == 200
    )
    team = _profile(http, "crew")
    assert team["kind"] == "team" and team["bio"] == "we build trees"
    assert http.get("/api/users/nobody/profile").status_code == 404
