"""Datasets given by URL on the native API: fetched by a job, refused where SSRF lurks.

A real HTTP server on loopback plays the remote host; the operator's allowlist lets the
server fetch from 127.0.0.1 (as written), and everything else on loopback or a private
network is refused: at once when the URL says so, in the job when a name or redirect does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from tests.api.conftest import CSV
from tests.conftest import UserKey
from tests.fileserver import FileServer, Route, serve

# localhost may resolve to ::1 or to 127.0.0.1 first.
LOCALHOST_REFUSED = r"localhost resolves to (127\.0\.0\.1|::1), a loopback address"
BIG = b"a,b\n" + b"1,2\n" * 5_000  # 20 kB, over the 10 kB cap below


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The operator allows 127.0.0.1, as written in a URL (not names resolving to it)."""
    return settings.model_copy(
        update={"url_fetch_allowed_hosts": "127.0.0.1", "max_url_download_bytes": 10_000}
    )


@pytest.fixture
def remote() -> Iterator[FileServer]:
    routes = {
        "/people.csv": Route(CSV.encode()),
        "/export": Route(CSV.encode()),
        "/missing.csv": Route(b"gone", status=404),
        "/big.csv": Route(BIG),
        "/big-chunked.csv": Route(BIG, chunked=True),
        "/slow.csv": Route(hang=True),
        "/loop.csv": Route(status=302, location="/loop.csv"),
        "/to-private.csv": Route(status=302, location="http://10.1.2.3/people.csv"),
    }
    with serve(routes) as server:
        server.routes["/moved.csv"] = Route(status=301, location=f"{server.base}/people.csv")
        port = server.base.rsplit(":", 1)[1]
        server.routes["/to-localhost.csv"] = Route(
            status=302, location=f"http://localhost:{port}/people.csv"
        )
        yield server


Post = Callable[..., httpx.Response]


def _post(http: TestClient, user: UserKey, **metadata: Any) -> httpx.Response:
    meta = {"name": "remote-people", "default_target_attribute": "label", **metadata}
    return http.post("/api/datasets", data={"metadata": json.dumps(meta)}, headers=user.headers)


def _failed(http: TestClient, dataset_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    dataset = http.get(f"/api/datasets/{dataset_id}").json()
    job = http.get(f"/api/jobs/{dataset['job_id']}").json()
    assert dataset["processing"] == "failed" and job["state"] == "failed"
    assert dataset["processing_error"] == job["error"]
    return dataset, job


def test_allowed_loopback_url_is_fetched_and_processed(
    http: TestClient, alice: UserKey, remote: FileServer, run_jobs: Callable[[], int]
) -> None:
    url = f"{remote.base}/people.csv"
    created = _post(http, alice, url=url, tags=["remote"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["processing"], body["data_sha256"], body["source_url"]) == ("pending", None, url)
    assert remote.hits == []  # nothing is fetched in the request itself
    early = http.get(f"/api/datasets/{body['id']}/data")
    assert early.status_code == 409 and early.json()["code"] == "not_processed"

    run_jobs()
    dataset = http.get(f"/api/datasets/{body['id']}").json()
    assert dataset["processing"] == "done", dataset["processing_error"]
    assert (dataset["number_of_rows"], dataset["number_of_columns"]) == (6, 5)
    assert dataset["status"] == "active" and dataset["tags"] == ["remote"]
    assert dataset["source_url"] == url and dataset["data_sha256"]
    assert http.get(f"/api/jobs/{body['job_id']}").json()["state"] == "done"
    features = {f["name"]: f for f in http.get(f"/api/datasets/{body['id']}/features").json()}
    assert features["label"]["is_target"] and features["colour"]["data_type"] == "nominal"
    csv = http.get(f"/api/datasets/{body['id']}/data", params={"format": "csv"})
    assert csv.status_code == 200 and csv.text.count("\n") == 7
    assert remote.hits == ["/people.csv"]


def test_redirects_are_followed_and_the_format_may_be_named(
    http: TestClient, alice: UserKey, remote: FileServer, run_jobs: Callable[[], int]
) -> None:
    moved = _post(http, alice, url=f"{remote.base}/moved.csv").json()
    named = _post(http, alice, url=f"{remote.base}/export", format="csv").json()
    run_jobs()
    for created in (moved, named):
        dataset = http.get(f"/api/datasets/{created['id']}").json()
        assert dataset["processing"] == "done" and dataset["number_of_rows"] == 6


def test_url_without_a_known_extension_needs_a_format(http: TestClient, alice: UserKey) -> None:
    response = _post(http, alice, url="https://example.org/export?id=3")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_format"
    assert "metadata.format" in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "file:// is not fetched"),
        ("ftp://example.org/data.csv", "ftp:// is not fetched"),
        ("example.org/data.csv", "no scheme is not fetched"),
        ("http://user:secret@example.org/data.csv", "user name or password"),
        ("http:///data.csv", "names no host"),
        ("http://example.org:99999/data.csv", "not a valid URL"),
        ("http://10.0.0.8/data.csv", "10.0.0.8, a private address"),
        ("http://169.254.169.254/latest/data.csv", "a link-local address"),
        ("http://[::1]/data.csv", "::1, a loopback address"),
        ("http://[::ffff:127.0.0.1]/data.csv", "a loopback address"),
        ("http://0.0.0.0/data.csv", "an unspecified address"),
        ("http://224.0.0.1/data.csv", "a multicast address"),
    ],
)
def test_urls_refused_at_once_name_the_reason(
    http: TestClient, alice: UserKey, url: str, reason: str
) -> None:
    response = _post(http, alice, url=url)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "url_refused" and reason in problem["detail"]
    assert http.get("/api/datasets", params={"status": "all"}).json()["items"] == []


def test_default_settings_refuse_loopback(
    settings: Settings, alice: UserKey, remote: FileServer
) -> None:
    app = create_app(settings.model_copy(update={"url_fetch_allowed_hosts": ""}))
    with TestClient(app) as http:
        response = _post(http, alice, url=f"{remote.base}/people.csv")
    assert response.status_code == 422
    assert response.json()["code"] == "url_refused"
    assert "127.0.0.1, a loopback address" in response.json()["detail"]
    assert "MLHIVE_URL_FETCH_ALLOWED_HOSTS" in response.json()["detail"]
    assert remote.hits == []


@pytest.mark.parametrize(
    ("path", "reason", "hits"),
    [
        ("/to-localhost.csv", "localhost resolves to", 1),
        ("/to-private.csv", "10.1.2.3, a private address", 1),
        ("/missing.csv", "answered HTTP 404", 1),
        ("/loop.csv", "redirects more than 5 times", 6),
        ("/big.csv", "delivers more than 10000 bytes", 1),
        ("/big-chunked.csv", "delivers more than 10000 bytes", 1),
    ],
)
def test_refusals_found_while_fetching_fail_the_job_and_show_on_the_dataset(
    http: TestClient,
    alice: UserKey,
    remote: FileServer,
    run_jobs: Callable[[], int],
    path: str,
    reason: str,
    hits: int,
) -> None:
    created = _post(http, alice, url=f"{remote.base}{path}")
    assert created.status_code == 201, created.text
    run_jobs()
    dataset, job = _failed(http, created.json()["id"])
    assert reason in dataset["processing_error"]
    assert job["attempts"] == 1  # a verdict on the URL: not retried
    assert len(remote.hits) == hits  # the refused hop is never requested
    assert dataset["data_sha256"] is None
    download = http.get(f"/api/datasets/{dataset['id']}/data")
    assert download.status_code == 409 and reason in download.json()["detail"]


def test_a_name_resolving_to_loopback_is_refused_unless_allowed_by_name(
    settings: Settings, alice: UserKey, remote: FileServer
) -> None:
    url = remote.base.replace("127.0.0.1", "localhost") + "/people.csv"
    for allowed, expected in (("127.0.0.1", "failed"), ("localhost", "done")):
        app = create_app(settings.model_copy(update={"url_fetch_allowed_hosts": allowed}))
        with TestClient(app) as http:
            created = _post(http, alice, url=url)
            assert created.status_code == 201, created.text
            app.state.hive.worker.drain()
            dataset = http.get(f"/api/datasets/{created.json()['id']}").json()
        assert dataset["processing"] == expected, dataset["processing_error"]
        if expected == "failed":
            assert re.search(LOCALHOST_REFUSED, dataset["processing_error"])
            assert remote.hits == []
    assert remote.hits == ["/people.csv"]


def test_a_download_slower_than_the_limit_fails(
    settings: Settings, alice: UserKey, remote: FileServer
) -> None:
    app = create_app(settings.model_copy(update={"url_fetch_seconds": 0.5}))
    with TestClient(app) as http:
        created = _post(http, alice, url=f"{remote.base}/slow.csv").json()
        app.state.hive.worker.drain()
        dataset, _ = _failed(http, created["id"])
    assert "took longer than 0.5 s" in dataset["processing_error"]


def test_a_file_and_a_url_together_or_neither_are_refused(http: TestClient, alice: UserKey) -> None:
    both = http.post(
        "/api/datasets",
        files={"file": ("data.csv", CSV.encode())},
        data={"metadata": json.dumps({"name": "x", "url": "https://example.org/a.csv"})},
        headers=alice.headers,
    )
    assert both.status_code == 422 and "not both" in both.json()["detail"]
    neither = _post(http, alice)
    assert neither.status_code == 422 and "give a url or upload a file" in neither.json()["detail"]


def test_columns_named_in_metadata_are_checked_against_the_fetched_data(
    http: TestClient, alice: UserKey, remote: FileServer, run_jobs: Callable[[], int]
) -> None:
    created = _post(http, alice, url=f"{remote.base}/people.csv", default_target_attribute="nope")
    run_jobs()
    dataset, _ = _failed(http, created.json()["id"])
    assert "'nope' is not a column of the data" in dataset["processing_error"]
