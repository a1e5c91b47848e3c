"""Teams over the native API: creating one, owning objects, invitations, roles, leaving.

The access matrix (``test_access_matrix.py``) proves the team's private objects on every face;
these tests prove the membership rules and what happens to objects when a member goes.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from mlhive.server.db.base import utcnow
from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.accounts import TeamInvitation
from mlhive.server.wiring import Hive
from tests.api.conftest import Upload
from tests.conftest import MakeUser, UserKey


def _team(http: TestClient, admin: UserKey, name: str = "crew") -> dict[str, object]:
    created = http.post("/api/teams", json={"name": name}, headers=admin.headers)
    assert created.status_code == 201, created.text
    return created.json()


def _invite(
    http: TestClient, admin: UserKey, user: UserKey, role: str = "read", team: str = "crew"
) -> str:
    invited = http.post(
        f"/api/teams/{team}/invitations",
        json={"user": user.name, "role": role},
        headers=admin.headers,
    )
    assert invited.status_code == 201, invited.text
    return str(invited.json()["token"])


def _join(http: TestClient, admin: UserKey, user: UserKey, role: str = "read") -> None:
    token = _invite(http, admin, user, role)
    accepted = http.post(f"/api/invitations/{token}/accept", headers=user.headers)
    assert accepted.status_code == 200, accepted.text


def _members(http: TestClient, team: str = "crew") -> dict[str, str]:
    body = http.get(f"/api/teams/{team}").json()
    return {m["name"]: m["role"] for m in body["members"]}


def _private_dataset(upload: Upload, user: UserKey, **meta: object) -> int:
    created = upload(user, name="secret", visibility="private", **meta)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


@pytest.fixture
def carol(make_user: MakeUser) -> UserKey:
    return make_user("carol")


def test_the_creator_is_the_admin_and_the_name_is_shared_with_users(
    http: TestClient, alice: UserKey, admin: UserKey
) -> None:
    team = _team(http, alice)
    assert [(m["name"], m["role"]) for m in team["members"]] == [("alice", "admin")]  # type: ignore[index, union-attr]
    taken = http.post("/api/teams", json={"name": "alice"}, headers=alice.headers)
    assert taken.status_code == 409 and "taken" in taken.json()["detail"]
    # a team never signs in: no user (and so no key) may take its name either
    user = http.post("/api/users", json={"name": "crew"}, headers=admin.headers)
    assert user.status_code == 409
    assert http.get("/api/teams/alice").status_code == 404  # a user is not a team


def test_members_create_for_the_team_by_role_and_others_may_not(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    _team(http, alice)
    _join(http, alice, bob, "write")
    _join(http, alice, carol, "read")
    dataset = _private_dataset(upload, bob, owner="crew")
    assert http.get(f"/api/datasets/{dataset}", headers=bob.headers).json()["uploader"] == "crew"
    # a reader sees it but may not create for the team nor change what it owns
    assert http.get(f"/api/datasets/{dataset}", headers=carol.headers).status_code == 200
    refused = upload(carol, name="other", owner="crew")
    assert refused.status_code == 403 and "crew" in refused.json()["detail"]
    edit = http.patch(f"/api/datasets/{dataset}", json={"description": "x"}, headers=carol.headers)
    assert edit.status_code == 403
    unknown = upload(bob, name="other", owner="nobody")
    assert unknown.status_code == 422 and "owner" in unknown.json()["detail"]
    repo = http.post(
        "/api/models",
        json={"name": "net", "owner": "crew", "visibility": "private"},
        headers=bob.headers,
    )
    assert repo.status_code == 201 and repo.json()["full_name"] == "crew/net"
    listed = {
        d["name"] for d in http.get("/api/teams/crew", headers=carol.headers).json()["datasets"]
    }
    assert listed == {"secret"}
    outsider = http.get("/api/teams/crew").json()
    assert outsider["datasets"] == [] and outsider["models"] == []


def test_only_team_admins_change_a_team_repositorys_visibility(
    http: TestClient, alice: UserKey, bob: UserKey
) -> None:
    _team(http, alice)
    _join(http, alice, bob, "write")
    body = {"name": "net", "owner": "crew", "visibility": "private"}
    assert http.post("/api/models", json=body, headers=bob.headers).status_code == 201
    described = http.patch(
        "/api/models/crew/net", json={"description": "by bob"}, headers=bob.headers
    )
    assert described.status_code == 200
    opened = http.patch("/api/models/crew/net", json={"visibility": "public"}, headers=bob.headers)
    assert opened.status_code == 403 and "visibility" in opened.json()["detail"]
    by_admin = http.patch(
        "/api/models/crew/net", json={"visibility": "public"}, headers=alice.headers
    )
    assert by_admin.json()["visibility"] == "public"


def test_an_invitation_is_for_its_user_once_and_until_it_expires(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    _team(http, alice)
    by_outsider = http.post(
        "/api/teams/crew/invitations", json={"user": "carol"}, headers=bob.headers
    )
    assert by_outsider.status_code == 403
    nobody = http.post("/api/teams/crew/invitations", json={"user": "zed"}, headers=alice.headers)
    assert nobody.status_code == 422 and "zed" in nobody.json()["detail"]
    token = _invite(http, alice, bob, "write")
    assert http.post(f"/api/invitations/{token}/accept", headers=carol.headers).status_code == 404
    assert (
        http.post(f"/api/invitations/{token}/accept", headers=bob.headers).json()["role"] == "write"
    )
    again = http.post(f"/api/invitations/{token}/decline", headers=bob.headers)
    assert again.status_code == 409 and "accepted" in again.json()["detail"]
    member = http.post("/api/teams/crew/invitations", json={"user": "bob"}, headers=alice.headers)
    assert member.status_code == 409
    declined = _invite(http, alice, carol)
    answer = http.post(f"/api/invitations/{declined}/decline", headers=carol.headers)
    assert answer.json()["state"] == "declined"
    late = _invite(http, alice, carol)
    with transaction(hive.sessions) as session:
        session.execute(
            update(TeamInvitation)
            .where(TeamInvitation.state == "pending")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = http.post(f"/api/invitations/{late}/accept", headers=carol.headers)
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]
    assert _members(http) == {"alice": "admin", "bob": "write"}


def test_roles_change_what_a_member_may_do_and_a_team_keeps_an_admin(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    _team(http, alice)
    _join(http, alice, bob, "read")
    dataset = _private_dataset(upload, alice, owner="crew")
    edit = {"description": "by bob"}
    assert http.patch(f"/api/datasets/{dataset}", json=edit, headers=bob.headers).status_code == 403
    by_bob = http.patch("/api/teams/crew/members/bob", json={"role": "write"}, headers=bob.headers)
    assert by_bob.status_code == 403
    promoted = http.patch(
        "/api/teams/crew/members/bob", json={"role": "write"}, headers=alice.headers
    )
    assert {m["name"]: m["role"] for m in promoted.json()["members"]}["bob"] == "write"
    assert http.patch(f"/api/datasets/{dataset}", json=edit, headers=bob.headers).status_code == 200
    last = http.patch("/api/teams/crew/members/alice", json={"role": "read"}, headers=alice.headers)
    assert last.status_code == 409 and "last admin" in last.json()["detail"]
    leaving = http.delete("/api/teams/crew/members/alice", headers=alice.headers)
    assert leaving.status_code == 409 and "last admin" in leaving.json()["detail"]
    handed = http.patch(
        "/api/teams/crew/members/bob", json={"role": "admin"}, headers=alice.headers
    )
    assert handed.status_code == 200
    assert http.delete("/api/teams/crew/members/alice", headers=alice.headers).status_code == 200
    assert _members(http) == {"bob": "admin"}


def _status(http: TestClient, user: UserKey, path: str) -> int:
    return http.get(path, headers=user.headers).status_code


def test_a_member_who_leaves_loses_the_teams_private_objects_and_keeps_their_own(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, carol: UserKey
) -> None:
    """Objects the team owns stay the team's (those the leaver made for it included); objects
    the leaver owns stay theirs; the team's private ones are out of reach at once."""
    _team(http, alice)
    _join(http, alice, bob, "write")
    _join(http, alice, carol, "write")
    made_for_team = _private_dataset(upload, bob, owner="crew")
    own = upload(bob, name="mine", visibility="private").json()["id"]
    assert _status(http, bob, f"/api/datasets/{made_for_team}") == 200
    not_admin = http.delete("/api/teams/crew/members/carol", headers=bob.headers)
    assert not_admin.status_code == 403
    left = http.delete("/api/teams/crew/members/bob", headers=bob.headers)
    assert left.status_code == 200 and "bob" not in {m["name"] for m in left.json()["members"]}
    assert _status(http, bob, f"/api/datasets/{made_for_team}") == 404
    listed = http.get("/api/datasets", headers=bob.headers).json()["items"]
    assert made_for_team not in {d["id"] for d in listed}
    assert _status(http, bob, f"/api/datasets/{own}") == 200
    kept = http.get(f"/api/datasets/{made_for_team}", headers=carol.headers).json()
    assert kept["uploader"] == "crew"
    # removed by an admin: the same
    removed = http.delete("/api/teams/crew/members/carol", headers=alice.headers)
    assert removed.status_code == 200
    assert _status(http, carol, f"/api/datasets/{made_for_team}") == 404
    assert _status(http, alice, f"/api/datasets/{made_for_team}") == 200
    gone: httpx.Response = http.delete("/api/teams/crew/members/carol", headers=alice.headers)
    assert gone.status_code == 404
