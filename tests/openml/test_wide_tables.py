"""Wide tables over the OpenML face (#15 finding 4): an ARFF wider than the server's
``max_columns`` gets an ``oml:error`` naming the limit and the setting, and nothing is stored;
one at the audit's 5 000 attributes is accepted."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.wiring import Hive
from tests.api.wide import wide_arff
from tests.conftest import UserKey

API = "/api/v1/xml"
NS = {"oml": "http://openml.org/openml"}
DESCRIPTION = (
    '<oml:data_set_description xmlns:oml="http://openml.org/openml">'
    "<oml:name>wide</oml:name><oml:description>Many attributes</oml:description>"
    "<oml:format>ARFF</oml:format></oml:data_set_description>"
)


def upload(http: TestClient, user: UserKey, content: bytes) -> httpx.Response:
    return http.post(
        f"{API}/data",
        data={"api_key": user.key},
        files={"description": ("description", DESCRIPTION), "dataset": ("d.arff", content)},
    )


def test_an_arff_over_the_column_cap_gets_an_oml_error_and_nothing_is_stored(
    http: TestClient, alice: UserKey, hive: Hive
) -> None:
    response = upload(http, alice, wide_arff(10_001, rows=1))
    assert response.status_code == 412, response.text
    error = ET.fromstring(response.text)
    assert error.tag == f"{{{NS['oml']}}}error"
    assert error.findtext("oml:code", namespaces=NS) == "145"
    info = error.findtext("oml:additional_information", namespaces=NS) or ""
    assert "10001 columns" in info and "10000" in info and "MLHIVE_MAX_COLUMNS" in info
    with hive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 0
    assert list(hive.store.iterate()) == []


def test_a_5_000_attribute_arff_is_accepted(http: TestClient, alice: UserKey) -> None:
    response = upload(http, alice, wide_arff(5_000))
    assert response.status_code == 200, response.text
    dataset_id = ET.fromstring(response.text).findtext("oml:id", namespaces=NS)
    described = http.get(f"/api/datasets/{dataset_id}").json()
    assert described["number_of_columns"] == 5_000
