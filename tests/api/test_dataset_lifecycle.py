"""Status transitions, edits with history, forks, tags, deletion, listing and pagination."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.api.conftest import Upload
from tests.conftest import UserKey


def test_status_follows_openml_transitions(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = upload(alice).json()
    url = f"/api/datasets/{dataset['id']}/status"
    early = http.post(url, json={"status": "active"}, headers=alice.headers)
    assert early.status_code == 409 and early.json()["code"] == "not_processed"
    run_jobs()
    assert http.post(url, json={"status": "deactivated"}, headers=bob.headers).status_code == 403
    done = http.post(url, json={"status": "deactivated"}, headers=alice.headers)
    assert done.json()["status"] == "deactivated"
    back = http.post(url, json={"status": "in_preparation"}, headers=alice.headers)
    assert back.status_code == 409 and back.json()["code"] == "invalid_status_transition"
    assert http.post(url, json={"status": "active"}, headers=alice.headers).json()["status"] == (
        "active"
    )
    history = http.get(f"/api/datasets/{dataset['id']}/history").json()
    assert [h["status"] for h in history if h["kind"] == "status"] == [
        "in_preparation",
        "active",
        "deactivated",
        "active",
    ]


def test_edits_keep_history_and_target_change_reprocesses(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = upload(alice, description="first").json()
    run_jobs()
    url = f"/api/datasets/{dataset['id']}"
    edited = http.patch(
        url,
        json={"description": "second", "default_target_attribute": "colour"},
        headers=alice.headers,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["processing"] == "pending"
    run_jobs()
    assert http.get(f"{url}/qualities").json()["NumberOfClasses"] == 3
    history = [h for h in http.get(f"{url}/history").json() if h["kind"] == "edit"]
    assert history[0]["before"] == {"description": "first", "default_target_attribute": "label"}
    assert history[0]["after"]["description"] == "second"
    bad = http.patch(url, json={"row_id_attribute": "nope"}, headers=alice.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_column"


def test_fork_copies_data_and_meta_features_for_the_new_owner(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    original = upload(alice).json()
    run_jobs()
    fork = http.post(
        f"/api/datasets/{original['id']}/fork", json={"name": "people-bob"}, headers=bob.headers
    ).json()
    assert (fork["name"], fork["version"], fork["uploader"]) == ("people-bob", 1, "bob")
    assert fork["forked_from_id"] == original["id"]
    assert fork["data_sha256"] == original["data_sha256"]
    assert http.get(f"/api/datasets/{fork['id']}/qualities").json()["NumberOfInstances"] == 6
    refused = http.delete(f"/api/datasets/{original['id']}", headers=alice.headers)
    assert refused.status_code == 409


def test_tags_and_delete(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = upload(alice).json()
    url = f"/api/datasets/{dataset['id']}"
    assert http.post(f"{url}/tags", json={"tag": "study-1"}, headers=bob.headers).json() == [
        "study-1"
    ]
    bad = http.post(f"{url}/tags", json={"tag": "no spaces"}, headers=bob.headers)
    assert bad.status_code == 422
    assert http.delete(f"{url}/tags/study-1", headers=bob.headers).json() == []
    assert http.delete(url, headers=bob.headers).status_code == 403
    assert http.delete(url, headers=alice.headers).status_code == 204
    assert http.get(url).status_code == 404


def test_list_filters_sorting_and_keyset_pagination(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    small = "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20))
    large = "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(300))
    ids = [
        upload(
            alice,
            content=small,
            name=f"set{i}",
            default_target_attribute="y",
            tags=["even"] if i % 2 == 0 else [],
        ).json()["id"]
        for i in range(7)
    ]
    big = upload(
        bob, content=large, name="bigset", default_target_attribute="y", description="A LARGER one"
    ).json()["id"]
    run_jobs()

    def listed(**params: object) -> list[int]:
        return [d["id"] for d in http.get("/api/datasets", params=params).json()["items"]]

    assert listed(tag="even") == ids[0::2]
    assert listed(uploader="bob") == [big]
    assert listed(quality="NumberOfInstances:100..10000") == [big]
    assert listed(quality="NumberOfInstances:..50") == ids
    assert listed(q="larger") == [big]
    assert listed(name="set3") == [ids[3]]
    assert listed(sort="-id")[:2] == [big, ids[-1]]
    assert http.get("/api/datasets", params={"sort": "colour"}).status_code == 422

    seen: list[int] = []
    cursor = None
    while True:
        page = http.get(
            "/api/datasets", params={"limit": 3, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [*ids, big]
    first = http.get("/api/datasets", params={"limit": 2}).json()["items"][0]
    assert first["qualities"]["NumberOfInstances"] == 20
