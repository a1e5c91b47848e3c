"""The OpenML face refuses numbers beyond what the database stores with an ``oml:error``,
never a 500 (requests from the security audit, sent anonymously)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

BIG = "99999999999999999999"
NS = {"oml": "http://openml.org/openml"}


def error_code(http: TestClient, url: str) -> int:
    response = http.get(url)
    assert response.status_code == 412, response.text
    code = ET.fromstring(response.content).find("oml:code", NS)
    assert code is not None and code.text is not None
    return int(code.text)


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/xml/data/{BIG}",
        f"/api/v1/xml/data/features/{BIG}",
        f"/api/v1/xml/data/qualities/{BIG}",
        f"/api/v1/xml/task/{BIG}",
        f"/api/v1/xml/flow/{BIG}",
        f"/api/v1/xml/run/{BIG}",
        f"/api/v1/xml/setup/{BIG}",
    ],
)
def test_an_unstorable_id_in_the_path_is_an_invalid_call(http: TestClient, url: str) -> None:
    assert error_code(http, url) == 100


@pytest.mark.parametrize(
    ("url", "malformed"),
    [
        (f"/api/v1/xml/data/list/data_id/{BIG}", "/api/v1/xml/data/list/data_id/x"),
        (f"/api/v1/xml/data/list/limit/{BIG}", "/api/v1/xml/data/list/limit/x"),
        ("/api/v1/xml/data/list/data_id/1,\u00b2", "/api/v1/xml/data/list/data_id/x"),
        (f"/api/v1/xml/task/list/data_id/{BIG}", "/api/v1/xml/task/list/data_id/x"),
        (f"/api/v1/xml/run/list/task/{BIG}", "/api/v1/xml/run/list/task/x"),
        (f"/api/v1/xml/evaluation/list/task/{BIG}", "/api/v1/xml/evaluation/list/task/x"),
    ],
)
def test_an_unstorable_number_in_a_list_filter_is_answered_like_a_malformed_one(
    http: TestClient, url: str, malformed: str
) -> None:
    # Each list call numbers its own filter errors; the number is refused with that code.
    assert error_code(http, url) == error_code(http, malformed)


def test_the_parquet_download_of_an_unstorable_id_is_refused(http: TestClient) -> None:
    response = http.get(f"/data/v1/parquet/{BIG}/dataset.pq")
    assert response.status_code in (404, 412)
    assert response.status_code != 500
