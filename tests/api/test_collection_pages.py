"""Suites and studies are listed a bounded page at a time, with a keyset cursor."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import UserKey


@pytest.mark.parametrize("prefix", ["/api/suites", "/api/studies"])
def test_a_list_comes_in_pages_that_the_cursor_walks(
    http: TestClient, alice: UserKey, prefix: str
) -> None:
    made = [
        http.post(prefix, json={"name": f"c{i}"}, headers=alice.headers).json()["id"]
        for i in range(5)
    ]
    first = http.get(prefix, params={"limit": 2}).json()
    assert [c["id"] for c in first["items"]] == made[:2]
    second = http.get(prefix, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [c["id"] for c in second["items"]] == made[2:4]
    last = http.get(prefix, params={"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [c["id"] for c in last["items"]] == made[4:]
    assert last["next_cursor"] is None
    assert [c["id"] for c in http.get(prefix).json()["items"]] == made  # default page: 100


@pytest.mark.parametrize("limit", ["0", "1001"])
@pytest.mark.parametrize("prefix", ["/api/suites", "/api/studies"])
def test_a_page_size_out_of_bounds_is_refused_naming_limit(
    http: TestClient, prefix: str, limit: str
) -> None:
    response = http.get(prefix, params={"limit": limit})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("limit:")


def test_a_cursor_beyond_any_id_is_refused_naming_cursor(http: TestClient) -> None:
    response = http.get("/api/suites", params={"cursor": "99999999999999999999"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("cursor:")
