"""A dataset given by URL on its page: where it comes from, and why it failed to arrive."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import UserKey


def test_a_refused_url_shows_on_the_page_without_download_links(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    url = "http://localhost:9/people.csv"  # resolves to loopback: refused by the job
    created = http.post(
        "/api/datasets",
        data={"metadata": json.dumps({"name": "from-afar", "url": url})},
        headers=alice.headers,
    ).json()
    page = http.get(f"/datasets/{created['id']}")
    assert page.status_code == 200
    assert "Data: once fetched from its URL" in page.text and url in page.text
    assert f"/datasets/{created['id']}/download/csv" not in page.text

    run_jobs()
    page = http.get(f"/datasets/{created['id']}")
    assert page.status_code == 200
    assert "Processing failed: url: localhost resolves to" in page.text
    download = http.get(f"/datasets/{created['id']}/download/csv")
    assert download.status_code == 409
