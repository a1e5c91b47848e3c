"""``GET /api/datasets/{id}/similar``: neighbours by meta-features, near-duplicates, privacy."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import CSV, Upload
from tests.conftest import UserKey
from tests.factories import CLASSIFICATION_CSV

# The same table with one column renamed: other stored bytes, the same shape and qualities.
RENAMED = CSV.replace("comment\n", "remark\n", 1)
WIDER = "a,b,c,d,e,f,label\n" + "".join(
    f"{i},{i * 2.5},{i % 3},{i % 7},x{i % 4},{-i},{'p' if i % 3 else 'q'}\n" for i in range(60)
)


def _similar(http: TestClient, dataset_id: int, user: UserKey | None = None, **params: int):
    headers = user.headers if user else {}
    return http.get(f"/api/datasets/{dataset_id}/similar", params=params, headers=headers)


def _publish(upload: Upload, user: UserKey, content: str, name: str, **meta: object) -> int:
    response = upload(user, content=content, name=name, **meta)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_the_same_csv_under_two_names_is_a_near_duplicate(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    original = _publish(upload, alice, CSV, "people")
    again = _publish(upload, bob, CSV, "persons")
    renamed = _publish(upload, bob, RENAMED, "people-renamed")
    other = _publish(upload, alice, CLASSIFICATION_CSV, "points", default_target_attribute="label")
    wide = _publish(upload, alice, WIDER, "wide")
    run_jobs()

    response = _similar(http, original)
    assert response.status_code == 200, response.text
    found = response.json()
    assert [n["id"] for n in found[:2]] == sorted([again, renamed], key=lambda i: i != again)
    first, second = found[0], found[1]
    assert first["near_duplicate"] and first["reason"].startswith("identical data")
    assert first["distance"] == 0.0 and first["name"] == "persons"
    assert second["near_duplicate"] and second["reason"].startswith("same shape (6 rows, 5 col")
    assert {n["id"] for n in found[2:]} == {other, wide}
    assert not any(n["near_duplicate"] for n in found[2:])
    assert all(n["distance"] > 0 for n in found[2:])
    # what makes them similar: shared qualities with both values, closest first
    closest = first["closest"]
    assert len(closest) == 5 and all(q["value"] == q["neighbour_value"] for q in closest)
    assert first["shared_qualities"] >= 40


def test_nearer_datasets_rank_first_and_k_limits_the_answer(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    small = _publish(upload, alice, CSV, "people")
    shorter = _publish(upload, alice, CSV.rsplit("\n", 2)[0] + "\n", "fewer-people")
    far = _publish(upload, alice, WIDER, "wide")
    run_jobs()
    found = _similar(http, small, k=1).json()
    assert [n["id"] for n in found] == [shorter]  # five people look more like six than 60 rows
    both = _similar(http, small, k=5).json()
    assert [n["id"] for n in both] == [shorter, far]
    assert both[0]["distance"] < both[1]["distance"]


def test_a_private_dataset_is_nobody_elses_neighbour(
    http: TestClient,
    upload: Upload,
    alice: UserKey,
    bob: UserKey,
    admin: UserKey,
    run_jobs: Callable[[], int],
) -> None:
    public = _publish(upload, alice, CSV, "people")
    secret = _publish(upload, bob, CSV, "secret-people", visibility="private")
    run_jobs()
    assert [n["id"] for n in _similar(http, public).json()] == []
    assert [n["id"] for n in _similar(http, public, alice).json()] == []
    assert [n["id"] for n in _similar(http, public, bob).json()] == [secret]
    assert [n["id"] for n in _similar(http, public, admin).json()] == [secret]
    # and the private dataset itself is not found for others
    assert _similar(http, secret, alice).status_code == 404
    assert [n["id"] for n in _similar(http, secret, bob).json()] == [public]


def test_the_answer_follows_new_and_deleted_datasets(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    first = _publish(upload, alice, CSV, "people")
    run_jobs()
    assert _similar(http, first).json() == []  # builds the index with one dataset
    second = _publish(upload, alice, CSV, "people-again")
    run_jobs()
    assert [n["id"] for n in _similar(http, first).json()] == [second]
    assert http.delete(f"/api/datasets/{second}", headers=alice.headers).status_code == 204
    assert _similar(http, first).json() == []


@pytest.mark.parametrize("k", [0, 101, -3])
def test_k_outside_1_to_100_is_refused_naming_k(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int], k: int
) -> None:
    dataset = _publish(upload, alice, CSV, "people")
    run_jobs()
    response = _similar(http, dataset, k=k)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid_input" and problem["detail"].startswith("k")


def test_an_unprocessed_dataset_is_a_conflict_saying_to_retry(
    http: TestClient, upload: Upload, alice: UserKey
) -> None:
    dataset = _publish(upload, alice, CSV, "people")
    response = _similar(http, dataset)
    assert response.status_code == 409
    assert response.json()["code"] == "not_processed"
    assert "retry when it is processed" in response.json()["detail"]
