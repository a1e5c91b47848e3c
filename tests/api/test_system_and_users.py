"""Health, OpenAPI, users and API keys."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import UserKey


def test_health_and_openapi_are_served(http: TestClient) -> None:
    health = http.get("/api/health").json()
    assert health["status"] == "ok" and health["database"] in {"sqlite", "postgresql"}
    spec = http.get("/api/openapi.json").json()
    assert "/api/datasets" in spec["paths"] and "/api/v1" not in str(spec["paths"])
    assert "swagger" in http.get("/api/docs").text.lower()


def test_only_administrators_see_where_the_blobs_are_stored(
    http: TestClient, admin: UserKey, alice: UserKey
) -> None:
    anonymous = http.get("/api/health").json()["storage"]
    assert anonymous in {"file", "memory", "s3"}
    assert http.get("/api/health", headers=alice.headers).json()["storage"] == anonymous
    full = http.get("/api/health", headers=admin.headers).json()["storage"]
    assert full.startswith(f"{anonymous}://") and len(full) > len(anonymous) + 3


def test_every_response_forbids_content_sniffing(http: TestClient, alice: UserKey) -> None:
    responses = [
        http.get("/api/health"),
        http.get("/api/datasets/999"),  # a problem document
        http.get("/api/v1/xml/data/999"),  # the OpenML face
        http.post("/api/datasets", headers=alice.headers),  # a refused upload
    ]
    assert [r.headers.get("x-content-type-options") for r in responses] == ["nosniff"] * 4


def test_admin_creates_users_whose_key_works_once_shown(
    http: TestClient, admin: UserKey, alice: UserKey
) -> None:
    created = http.post("/api/users", json={"name": "carol"}, headers=admin.headers)
    assert created.status_code == 201
    key = created.json()["api_key"]
    me = http.get("/api/users/me", headers={"Authorization": f"Bearer {key}"}).json()
    assert me["name"] == "carol" and me["is_admin"] is False
    listed = http.get("/api/users/me/keys", headers={"Authorization": f"Bearer {key}"}).json()
    assert key not in str(listed) and listed[0]["prefix"] == key[:12]
    assert http.post("/api/users", json={"name": "dave"}, headers=alice.headers).status_code == 403
    duplicate = http.post("/api/users", json={"name": "carol"}, headers=admin.headers)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "conflict"
    bad = http.post("/api/users", json={"name": "no spaces"}, headers=admin.headers)
    assert bad.status_code == 422 and "name" in bad.json()["detail"]


def test_keys_can_be_added_and_revoked_independently(http: TestClient, alice: UserKey) -> None:
    extra = http.post("/api/users/me/keys", json={"label": "laptop"}, headers=alice.headers).json()
    second = {"Authorization": f"Bearer {extra['api_key']}"}
    assert http.get("/api/users/me", headers=second).status_code == 200
    http.delete(f"/api/users/me/keys/{extra['key']['id']}", headers=alice.headers)
    assert http.get("/api/users/me", headers=second).status_code == 401
    assert http.get("/api/users/me", headers=alice.headers).status_code == 200
    assert http.get("/api/users/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_someone_elses_key_cannot_be_revoked(
    http: TestClient, alice: UserKey, bob: UserKey
) -> None:
    key_id = http.get("/api/users/me/keys", headers=alice.headers).json()[0]["id"]
    assert http.delete(f"/api/users/me/keys/{key_id}", headers=bob.headers).status_code == 404
    assert http.get("/api/users/me", headers=alice.headers).status_code == 200


def test_a_profile_tells_who_is_an_admin_only_to_them_and_to_admins(
    http: TestClient, admin: UserKey, alice: UserKey
) -> None:
    anonymous = http.get("/api/users/admin").json()
    assert anonymous["name"] == "admin" and "is_admin" not in anonymous
    assert "is_admin" not in http.get("/api/users/admin", headers=alice.headers).json()
    assert http.get("/api/users/admin", headers=admin.headers).json()["is_admin"] is True
    assert http.get("/api/users/alice", headers=alice.headers).json()["is_admin"] is False
    assert http.get("/api/users/alice", headers=admin.headers).json()["is_admin"] is False
    assert http.get("/api/users/me", headers=admin.headers).json()["is_admin"] is True
