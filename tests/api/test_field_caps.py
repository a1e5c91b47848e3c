"""List fields have bounded lengths: the audit's 1 MB creator is refused, naming the field."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Upload
from tests.conftest import UserKey

MEGABYTE = "x" * 1024**2


def test_an_upload_with_a_long_creator_is_refused_naming_it(upload: Upload, alice: UserKey) -> None:
    # A whole megabyte is already over the form parser's 1 MB per field; 100 kB is not.
    response = upload(alice, creator=["x" * 100_000])
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "metadata.creator.0: String should have at most 1024 characters"
    )


def test_an_edit_with_a_1_mb_creator_is_refused_and_changes_nothing(
    http: TestClient, upload: Upload, alice: UserKey
) -> None:
    dataset_id = upload(alice, creator=["Ada"]).json()["id"]
    response = http.patch(
        f"/api/datasets/{dataset_id}", json={"creator": [MEGABYTE]}, headers=alice.headers
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "creator.0: String should have at most 1024 characters"
    assert http.get(f"/api/datasets/{dataset_id}").json()["creator"] == ["Ada"]


def test_too_many_entries_are_refused_naming_the_field(upload: Upload, alice: UserKey) -> None:
    response = upload(alice, contributor=["a"] * 257, tags=["t"] * 257)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(
        "metadata.contributor: List should have at most 256"
    )


def test_a_flow_with_a_1_mb_parameter_name_is_refused(http: TestClient, alice: UserKey) -> None:
    flow = {"name": "f", "external_version": "1", "parameters": [{"name": MEGABYTE}]}
    response = http.post("/api/flows", json=flow, headers=alice.headers)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("parameters.0.name: String should have at most")


def test_bounded_lists_still_take_ordinary_metadata(upload: Upload, alice: UserKey) -> None:
    response = upload(alice, creator=["Ada Lovelace", "C. Babbage"], tags=["uci", "toy"])
    assert response.status_code == 201, response.text
    assert response.json()["creator"] == ["Ada Lovelace", "C. Babbage"]
