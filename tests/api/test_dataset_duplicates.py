"""Uploading data identical to one of your versions answers that version, unless asked not to."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Upload
from tests.conftest import UserKey


def versions(http: TestClient, user: UserKey) -> list[int]:
    page = http.get(
        "/api/datasets", params={"name": "people", "status": "all"}, headers=user.headers
    )
    return sorted(item["version"] for item in page.json()["items"])


def test_identical_upload_answers_the_existing_version(
    http: TestClient, upload: Upload, alice: UserKey
) -> None:
    first = upload(alice)
    assert first.status_code == 201 and first.json()["duplicate_of"] is None
    again = upload(alice, description="the same file once more")
    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["id"], body["version"], body["duplicate_of"]) == (
        first.json()["id"],
        1,
        body["id"],
    )
    assert body["description"] == ""  # the existing version, untouched
    assert versions(http, alice) == [1]
    # a plain read of the dataset does not carry the upload's answer
    assert http.get(f"/api/datasets/{body['id']}").json()["duplicate_of"] is None


def test_allow_duplicate_makes_a_new_version(
    http: TestClient, upload: Upload, alice: UserKey
) -> None:
    upload(alice)
    again = upload(alice, allow_duplicate=True)
    assert again.status_code == 201
    assert (again.json()["version"], again.json()["duplicate_of"]) == (2, None)
    assert versions(http, alice) == [1, 2]


def test_other_roles_visibility_or_uploader_make_new_versions(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey
) -> None:
    upload(alice)
    assert upload(alice, default_target_attribute="colour").status_code == 201
    assert upload(alice, visibility="private").status_code == 201
    assert upload(bob).status_code == 201  # bob's own version, not alice's
    assert upload(alice, nominal_attributes=["age"]).status_code == 201  # other types: other data
    assert versions(http, alice) == [1, 2, 3, 4, 5]
