"""The OpenML face in-process: XML answers, OpenML's error codes, URL quirks, file routes."""

from __future__ import annotations

import gzip
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import UserKey

API = "/api/v1/xml"
NS = {"oml": "http://openml.org/openml"}
ARFF = (
    "@RELATION people\n\n@ATTRIBUTE age NUMERIC\n@ATTRIBUTE city STRING\n"
    "@ATTRIBUTE label {no,yes}\n\n@DATA\n31,Zürich,yes\n45,'Tōkyō',no\n?,Bern,yes\n"
    "27,?,no\n52,Genève,yes\n"
)
DESCRIPTION = (
    '<oml:data_set_description xmlns:oml="http://openml.org/openml">'
    "<oml:name>people</oml:name><oml:description>Some people</oml:description>"
    "<oml:format>ARFF</oml:format><oml:default_target_attribute>label"
    "</oml:default_target_attribute><oml:tag>face</oml:tag></oml:data_set_description>"
)


def _xml(text: str) -> ET.Element:
    return ET.fromstring(text)


def _code(response: object) -> int:
    element = _xml(response.text)  # type: ignore[attr-defined]
    return int(element.findtext("oml:code", namespaces=NS) or 0)


@pytest.fixture
def dataset_id(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> int:
    response = http.post(
        f"{API}/data",
        data={"api_key": alice.key},
        files={"description": ("description", DESCRIPTION), "dataset": ("dataset", ARFF)},
    )
    assert response.status_code == 200, response.text
    run_jobs()
    return int(_xml(response.text).findtext("oml:id", namespaces=NS) or 0)


def test_description_points_at_files_that_match_it(http: TestClient, dataset_id: int) -> None:
    response = http.get(f"{API}//data/{dataset_id}/")  # openml-python's double slash
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    description = _xml(response.text)
    assert description.findtext("oml:status", namespaces=NS) == "active"
    assert description.findtext("oml:tag", namespaces=NS) == "face"
    arff_url = description.findtext("oml:url", namespaces=NS) or ""
    arff = http.get(arff_url.replace("http://testserver", ""))
    assert arff.headers["content-type"] == "text/plain; charset=utf-8"
    md5 = hashlib.md5(arff.text.encode(), usedforsecurity=False).hexdigest()
    assert md5 == description.findtext("oml:md5_checksum", namespaces=NS)
    assert "Zürich" in arff.text
    parquet = (description.findtext("oml:parquet_url", namespaces=NS) or "").replace(
        "http://testserver", ""
    )
    head = http.head(parquet)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] and head.headers["last-modified"]
    body = http.get(parquet)
    assert body.content[:4] == b"PAR1"
    assert int(head.headers["content-length"]) == len(body.content)
    assert (
        http.head(f"/data/v1/parquet/{dataset_id + 1}/dataset_{dataset_id + 1}.pq").status_code
        == 404
    )


def test_answers_are_gzipped_even_when_small(http: TestClient, dataset_id: int) -> None:
    response = http.get(f"{API}/data/qualities/{dataset_id}", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    qualities = _xml(response.text).findall("oml:quality", NS)
    names = {q.findtext("oml:name", namespaces=NS) for q in qualities}
    assert {"NumberOfInstances", "NumberOfFeatures"} <= names
    raw = http.get(f"{API}/data/features/{dataset_id}", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(gzip.compress(raw.content)) == raw.content  # decoded by the client


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/data/list/tag/nothing", 372),
        ("/task/list/tag/nothing", 482),
        ("/flow/list/tag/nothing", 500),
        ("/run/list/task/999", 512),
        ("/evaluation/list/function/predictive_accuracy/task/999", 542),
        ("/setup/list/flow/999", 674),
        ("/study/list/status/all", 599),
        ("/data/list/colour/red", 370),
        ("/data/999", 111),
        ("/task/999", 151),
        ("/flow/999", 181),
        ("/run/999", 236),
        ("/no/such/call", 100),
    ],
)
def test_empty_lists_and_unknown_things_get_openml_s_codes(
    http: TestClient, path: str, code: int
) -> None:
    response = http.get(f"{API}{path}")
    assert response.status_code in (404, 412)
    assert _code(response) == code


def test_keys_missing_invalid_and_private_data(
    http: TestClient, alice: UserKey, bob: UserKey, dataset_id: int
) -> None:
    assert _code(http.post(f"{API}/data/fork", data={"data_id": dataset_id})) == 102
    invalid = http.get(f"{API}/data/{dataset_id}", params={"api_key": "mlh_wrong"})
    assert _code(invalid) == 103 and "mlh_wrong" not in invalid.text
    private = DESCRIPTION.replace(
        "</oml:tag>", "</oml:tag><oml:visibility>private</oml:visibility>"
    )
    created = http.post(
        f"{API}/data",
        data={"api_key": alice.key},
        files={"description": ("d", private), "dataset": ("dataset", ARFF)},
    )
    private_id = int(_xml(created.text).findtext("oml:id", namespaces=NS) or 0)
    assert _code(http.get(f"{API}/data/{private_id}", params={"api_key": bob.key})) == 112
    assert http.get(f"{API}/data/{private_id}", params={"api_key": alice.key}).status_code == 200
    denied = http.delete(f"{API}/data/{dataset_id}", params={"api_key": bob.key})
    assert _code(denied) == 353


def test_uploaded_xml_with_a_doctype_is_refused(http: TestClient, alice: UserKey) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><oml:data_set_description '
        'xmlns:oml="http://openml.org/openml"><oml:name>&b;</oml:name>'
        "</oml:data_set_description>"
    )
    response = http.post(
        f"{API}/data",
        data={"api_key": alice.key},
        files={"description": ("d", bomb), "dataset": ("dataset", ARFF)},
    )
    assert _code(response) == 131
    assert "document type" in response.text
