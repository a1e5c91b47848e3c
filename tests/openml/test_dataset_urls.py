"""``POST data`` with ``oml:url`` and no file, as openml-python sends for
``OpenMLDataset(url=...).publish()``: the server fetches the ARFF file in a job, with the
same guards as the native API (a real HTTP server on loopback plays the remote host)."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from tests.conftest import UserKey
from tests.fileserver import FileServer, Route, serve
from tests.openml.test_face import API, ARFF, NS


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"url_fetch_allowed_hosts": "127.0.0.1"})


@pytest.fixture
def remote() -> Iterator[FileServer]:
    routes = {"/people.arff": Route(ARFF.encode())}
    with serve(routes) as server:
        port = server.base.rsplit(":", 1)[1]
        server.routes["/to-localhost.arff"] = Route(
            status=302, location=f"http://localhost:{port}/people.arff"
        )
        yield server


def _description(url: str) -> str:
    # The elements openml-python's OpenMLDataset._to_dict() sends for a dataset with a url.
    return (
        '<oml:data_set_description xmlns:oml="http://openml.org/openml">'
        "<oml:name>remote-people</oml:name><oml:description>Fetched</oml:description>"
        f"<oml:format>arff</oml:format><oml:url>{url}</oml:url>"
        "<oml:default_target_attribute>label</oml:default_target_attribute>"
        "</oml:data_set_description>"
    )


def _publish(http: TestClient, user: UserKey, url: str, data: str | None = None) -> httpx.Response:
    files = {"description": ("description.xml", _description(url))}
    if data is not None:
        files["dataset"] = ("dataset.arff", data)
    return http.post(f"{API}/data", data={"api_key": user.key}, files=files)


def _text(response: httpx.Response, path: str) -> str:
    return ET.fromstring(response.text).findtext(path, namespaces=NS) or ""


def test_description_with_a_url_is_fetched_and_served_like_an_upload(
    http: TestClient, alice: UserKey, remote: FileServer, run_jobs: Callable[[], int]
) -> None:
    response = _publish(http, alice, f"{remote.base}/people.arff")
    assert response.status_code == 200, response.text
    dataset_id = int(_text(response, "oml:id"))
    pending = http.get(f"{API}/data/qualities/{dataset_id}")
    assert _text(pending, "oml:code") == "363"  # not processed yet

    run_jobs()
    described = http.get(f"{API}/data/{dataset_id}", params={"api_key": alice.key})
    assert _text(described, "oml:status") == "active", described.text
    features = http.get(f"{API}/data/features/{dataset_id}")
    names = [e.text for e in ET.fromstring(features.text).iterfind(".//oml:name", NS)]
    assert names == ["age", "city", "label"]
    arff = http.get(_text(described, "oml:url").removeprefix("http://testserver"))
    assert arff.content == ARFF.encode()  # the fetched ARFF is served byte for byte
    assert hashlib.md5(arff.content).hexdigest() == _text(described, "oml:md5_checksum")


def test_refused_urls_get_the_description_code_and_the_reason(
    settings: Settings, alice: UserKey, remote: FileServer
) -> None:
    app = create_app(settings.model_copy(update={"url_fetch_allowed_hosts": ""}))
    with TestClient(app) as http:
        for url, reason in (
            (f"{remote.base}/people.arff", "127.0.0.1, a loopback address"),
            ("file:///etc/passwd", "file:// is not fetched"),
            ("ftp://example.org/people.arff", "ftp:// is not fetched"),
        ):
            response = _publish(http, alice, url)
            assert response.status_code == 412, response.text
            assert _text(response, "oml:code") == "131"
            assert reason in _text(response, "oml:additional_information")
    assert remote.hits == []


def test_a_redirect_to_a_name_resolving_to_loopback_fails_the_dataset(
    http: TestClient, alice: UserKey, remote: FileServer, run_jobs: Callable[[], int]
) -> None:
    response = _publish(http, alice, f"{remote.base}/to-localhost.arff")
    dataset_id = int(_text(response, "oml:id"))
    run_jobs()
    described = http.get(f"{API}/data/{dataset_id}", params={"api_key": alice.key})
    assert "localhost resolves to" in _text(described, "oml:error")
    assert _text(http.get(f"{API}/data/features/{dataset_id}"), "oml:code") == "274"
    assert remote.hits == ["/to-localhost.arff"]


def test_a_file_sent_with_a_url_is_the_data_and_the_url_is_not_fetched(
    http: TestClient, alice: UserKey, remote: FileServer, run_jobs: Callable[[], int]
) -> None:
    # openml-python re-publishes a downloaded dataset with its file and its old oml:url.
    response = _publish(http, alice, f"{remote.base}/people.arff", data=ARFF)
    assert response.status_code == 200, response.text
    run_jobs()
    assert remote.hits == []
    features = http.get(f"{API}/data/features/{int(_text(response, 'oml:id'))}")
    assert features.status_code == 200


def test_neither_file_nor_url_is_141(http: TestClient, alice: UserKey) -> None:
    description = _description("x").replace("<oml:url>x</oml:url>", "")
    response = http.post(
        f"{API}/data",
        data={"api_key": alice.key},
        files={"description": ("description.xml", description)},
    )
    assert _text(response, "oml:code") == "141"


SPARSE_ARFF = (
    "@RELATION words\n@ATTRIBUTE w0 REAL\n@ATTRIBUTE w1 REAL\n@ATTRIBUTE label {no,yes}\n"
    "@DATA\n{0 1.5,2 yes}\n{1 2}\n{}\n"
)


def test_a_sparse_arff_fetched_by_url_is_a_sparse_dataset(
    http: TestClient, alice: UserKey, remote: FileServer, run_jobs: Callable[[], int]
) -> None:
    remote.routes["/words.arff"] = Route(SPARSE_ARFF.encode())
    response = _publish(http, alice, f"{remote.base}/words.arff")
    assert response.status_code == 200, response.text
    dataset_id = int(_text(response, "oml:id"))

    run_jobs()
    described = http.get(f"{API}/data/{dataset_id}", params={"api_key": alice.key})
    assert _text(described, "oml:format") == "Sparse_ARFF", described.text
    arff = http.get(_text(described, "oml:url").removeprefix("http://testserver"))
    assert arff.text == SPARSE_ARFF
