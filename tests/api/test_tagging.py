"""Tags on datasets, tasks, flows and runs: the same routes, rules and answers for each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.experiments import one_of_each
from tests.conftest import UserKey

NOUNS = ("dataset", "task", "flow", "run")


@pytest.mark.parametrize("noun", NOUNS)
def test_anyone_with_a_key_tags_and_the_tagger_or_owner_untags(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int], noun: str
) -> None:
    url = f"/api/{noun}s/{one_of_each(http, alice, run_jobs)[noun]}/tags"
    assert http.post(url, json={"tag": "by-bob"}, headers=bob.headers).json() == ["by-bob"]
    assert http.post(url, json={"tag": "by-alice"}, headers=alice.headers).json() == [
        "by-alice",
        "by-bob",
    ]
    refused = http.delete(f"{url}/by-alice", headers=bob.headers)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert http.delete(f"{url}/by-bob", headers=bob.headers).json() == ["by-alice"]
    assert http.delete(f"{url}/by-alice", headers=alice.headers).json() == []

    bad = http.post(url, json={"tag": "no spaces"}, headers=alice.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "tag"]
    assert http.post(url, json={"tag": "x"}).status_code == 401
    assert http.delete(f"{url}/never-set", headers=alice.headers).status_code == 404
    unknown = http.post(f"/api/{noun}s/999/tags", json={"tag": "x"}, headers=alice.headers)
    assert unknown.status_code == 404 and f"{noun} 999" in unknown.json()["detail"]


def test_tag_routes_keep_their_openapi_operations(http: TestClient) -> None:
    paths = http.get("/api/openapi.json").json()["paths"]
    for noun in NOUNS:
        tag = paths[f"/api/{noun}s/{{{noun}_id}}/tags"]["post"]
        untag = paths[f"/api/{noun}s/{{{noun}_id}}/tags/{{tag}}"]["delete"]
        assert tag["operationId"] == f"tag_{noun}_api_{noun}s__{noun}_id__tags_post"
        assert untag["operationId"] == f"untag_{noun}_api_{noun}s__{noun}_id__tags__tag__delete"
        assert tag["tags"] == untag["tags"] == [f"{noun}s"]
        assert [p["name"] for p in tag["parameters"] if p["in"] == "path"] == [f"{noun}_id"]
        assert tag["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/TagRequest"
        }
