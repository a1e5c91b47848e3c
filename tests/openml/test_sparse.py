"""Sparse ARFF over the OpenML face (#14 item 1): a ``sparse_arff`` upload is described and
listed as ``Sparse_ARFF``, its file is served back as it came, its qualities are computed on
the values the sparse rows stand for; a declared format the file does not have is refused and
nothing is stored."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.wiring import Hive
from tests.conftest import UserKey

API = "/api/v1/xml"
NS = {"oml": "http://openml.org/openml"}
SPARSE = (
    "% words\n@RELATION words\n\n@ATTRIBUTE w0 REAL\n@ATTRIBUTE w1 REAL\n@ATTRIBUTE w2 REAL\n"
    "@ATTRIBUTE class {no,yes}\n\n@DATA\n{ 0 1.5,3 yes }\n{ 2 0.25 }\n{  }\n{1 3,3 yes}\n"
)
DENSE = "@RELATION words\n@ATTRIBUTE w0 REAL\n@ATTRIBUTE class {no,yes}\n@DATA\n1.5,yes\n0,no\n"


def description(data_format: str) -> str:
    return (
        '<oml:data_set_description xmlns:oml="http://openml.org/openml">'
        "<oml:name>words</oml:name><oml:description>Bag of words</oml:description>"
        f"<oml:format>{data_format}</oml:format>"
        "<oml:default_target_attribute>class</oml:default_target_attribute>"
        "</oml:data_set_description>"
    )


def upload(http: TestClient, user: UserKey, data_format: str, content: str) -> httpx.Response:
    return http.post(
        f"{API}/data",
        data={"api_key": user.key},
        files={
            "description": ("description", description(data_format)),
            "dataset": ("words.arff", content.encode()),
        },
    )


def test_a_sparse_upload_is_described_listed_served_and_measured(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    response = upload(http, alice, "sparse_arff", SPARSE)
    assert response.status_code == 200, response.text
    dataset_id = ET.fromstring(response.text).findtext("oml:id", namespaces=NS)
    run_jobs()

    described = ET.fromstring(http.get(f"{API}/data/{dataset_id}").text)
    assert described.findtext("oml:format", namespaces=NS) == "Sparse_ARFF"
    listed = ET.fromstring(http.get(f"{API}/data/list/data_id/{dataset_id}").text)
    assert listed.findtext("oml:dataset/oml:format", namespaces=NS) == "Sparse_ARFF"
    assert http.get(f"/api/v2/datasets/{dataset_id}").json()["format"] == "sparse_arff"
    assert http.get(f"/api/datasets/{dataset_id}").json()["sparse"] is True

    served = http.get(f"/data/v1/download/{dataset_id}/words.arff")
    assert served.status_code == 200
    assert served.text == SPARSE

    qualities = {
        q.findtext("oml:name", namespaces=NS): q.findtext("oml:value", namespaces=NS)
        for q in ET.fromstring(http.get(f"{API}/data/qualities/{dataset_id}").text)
    }
    assert float(qualities["NumberOfInstances"] or 0) == 4
    assert float(qualities["NumberOfNumericFeatures"] or 0) == 3
    assert float(qualities["NumberOfMissingValues"] or 0) == 0
    features = ET.fromstring(http.get(f"{API}/data/features/{dataset_id}").text)
    classes = [f for f in features if f.findtext("oml:name", namespaces=NS) == "class"]
    assert [v.text for v in classes[0].findall("oml:nominal_value", namespaces=NS)] == [
        "no",
        "yes",
    ]


def test_a_dense_arff_upload_stays_arff(http: TestClient, alice: UserKey) -> None:
    response = upload(http, alice, "ARFF", DENSE)
    assert response.status_code == 200, response.text
    dataset_id = ET.fromstring(response.text).findtext("oml:id", namespaces=NS)
    described = ET.fromstring(http.get(f"{API}/data/{dataset_id}").text)
    assert described.findtext("oml:format", namespaces=NS) == "ARFF"


def test_sparse_arff_declared_for_dense_rows_is_refused_and_nothing_is_kept(
    http: TestClient, alice: UserKey, hive: Hive
) -> None:
    response = upload(http, alice, "sparse_arff", DENSE)
    assert response.status_code == 412, response.text
    error = ET.fromstring(response.text)
    assert error.findtext("oml:code", namespaces=NS) == "145"
    info = error.findtext("oml:additional_information", namespaces=NS) or ""
    assert "sparse_arff" in info and "format ARFF" in info
    with hive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 0


def test_an_unknown_format_is_refused_naming_the_ones_known(
    http: TestClient, alice: UserKey
) -> None:
    response = upload(http, alice, "csv", DENSE)
    assert response.status_code == 412, response.text
    error = ET.fromstring(response.text)
    assert error.findtext("oml:code", namespaces=NS) == "131"
    info = error.findtext("oml:additional_information", namespaces=NS) or ""
    assert "'csv'" in info and "sparse_ARFF" in info
