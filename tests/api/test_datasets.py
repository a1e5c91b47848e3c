"""The dataset routes end to end, in-process: upload, processing, reads, edits, errors."""

from __future__ import annotations

import csv as csv_module
import hashlib
import io
from collections.abc import Callable

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.wiring import Hive
from tests.api.conftest import Upload
from tests.conftest import UserKey


def test_upload_processes_and_serves_features_and_qualities(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    created = upload(alice, tags=["people", "demo"], description="six people")
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["version"], body["status"]) == ("people", 1, "in_preparation")
    assert body["number_of_rows"] == 6 and body["number_of_columns"] == 5
    assert body["tags"] == ["demo", "people"]

    assert run_jobs() == 1
    job = http.get(f"/api/jobs/{body['job_id']}").json()
    assert job["state"] == "done"

    described = http.get(f"/api/datasets/{body['id']}").json()
    assert described["status"] == "active" and described["processing"] == "done"
    features = {f["name"]: f for f in http.get(f"/api/datasets/{body['id']}/features").json()}
    assert features["colour"]["data_type"] == "nominal"
    assert sorted(features["colour"]["nominal_values"]) == ["blue", "green", "red"]
    assert features["age"]["number_of_missing_values"] == 1
    assert features["label"]["is_target"] is True
    qualities = http.get(f"/api/datasets/{body['id']}/qualities").json()
    assert qualities["NumberOfInstances"] == 6
    assert qualities["NumberOfClasses"] == 2


def test_same_name_gets_next_version(upload: Upload, alice: UserKey, bob: UserKey) -> None:
    first = upload(alice).json()
    second = upload(bob).json()
    assert (first["version"], second["version"]) == (1, 2)
    assert first["data_sha256"] == second["data_sha256"]  # identical data stored once


def test_download_in_every_format(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = upload(alice).json()
    run_jobs()
    parquet = http.get(f"/api/datasets/{dataset['id']}/data")
    assert parquet.status_code == 200
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.column("comment").to_pylist()[1:4] == ["with, comma", "Zürich", "東京"]
    assert parquet.headers["etag"] == f'"{dataset["data_sha256"]}"'

    csv = http.get(f"/api/datasets/{dataset['id']}/data", params={"format": "csv"})
    rows = list(csv_module.reader(io.StringIO(csv.text)))
    assert rows[0] == ["age", "colour", "height", "label", "comment"]
    assert rows[2][4] == "with, comma" and rows[4][4] == "東京"
    assert rows[4][0] == ""  # missing age stays missing

    arff = http.get(f"/api/datasets/{dataset['id']}/data", params={"format": "arff"})
    assert arff.headers["content-type"] == "text/plain; charset=utf-8"
    assert "@ATTRIBUTE" in arff.text.upper() and "東京" in arff.text
    # a browser must not sniff a downloaded file into HTML or script
    assert {r.headers["x-content-type-options"] for r in (parquet, csv, arff)} == {"nosniff"}

    again = http.get(
        f"/api/datasets/{dataset['id']}/data", headers={"If-None-Match": parquet.headers["etag"]}
    )
    assert again.status_code == 304


def test_anonymous_write_is_401(upload: Upload, http: TestClient) -> None:
    response = upload(None)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"


def test_revoked_or_unknown_key_is_401(upload: Upload, http: TestClient, alice: UserKey) -> None:
    key_id = http.get("/api/users/me/keys", headers=alice.headers).json()[0]["id"]
    assert http.delete(f"/api/users/me/keys/{key_id}", headers=alice.headers).status_code == 200
    response = upload(alice)
    assert response.status_code == 401 and response.json()["code"] == "invalid_api_key"


def test_private_dataset_is_invisible_to_others_everywhere(
    http: TestClient,
    upload: Upload,
    alice: UserKey,
    bob: UserKey,
    admin: UserKey,
    run_jobs: Callable[[], int],
) -> None:
    dataset = upload(alice, visibility="private", tags=["secret"]).json()
    run_jobs()
    path = f"/api/datasets/{dataset['id']}"
    for who in (None, bob):
        headers = who.headers if who else {}
        for suffix in ("", "/features", "/qualities", "/data", "/history"):
            response = http.get(path + suffix, headers=headers)
            assert response.status_code == 404, suffix
        listed = http.get("/api/datasets", params={"tag": "secret"}, headers=headers).json()
        assert listed["items"] == []
        assert http.post(f"{path}/fork", json={}, headers=bob.headers).status_code == 404
    for who in (alice, admin):
        assert http.get(path, headers=who.headers).status_code == 200
        listed = http.get("/api/datasets", params={"tag": "secret"}, headers=who.headers).json()
        assert [item["id"] for item in listed["items"]] == [dataset["id"]]


@pytest.mark.parametrize(
    ("content", "filename", "meta", "status", "code", "needle"),
    [
        ("", "x.csv", {}, 422, "empty_file", "empty"),
        ("a,b\n", "x.csv", {"default_target_attribute": "a"}, 422, "empty_file", ""),
        ("a,a\n1,2\n", "x.csv", {"default_target_attribute": "a"}, 422, "duplicate_columns", "a"),
        (
            "a,b\n1,2\n3\n",
            "x.csv",
            {"default_target_attribute": "a"},
            422,
            "malformed_file",
            "line",
        ),
        ("a,b\n1,2\n", "x.csv", {"default_target_attribute": "zz"}, 422, "unknown_column", "zz"),
        (
            "a,b\n1,2\n",
            "x.xlsx",
            {"default_target_attribute": "a"},
            415,
            "unsupported_format",
            "xlsx",
        ),
        ("not parquet", "x.parquet", {"default_target_attribute": "a"}, 422, "malformed_file", ""),
        (
            "@RELATION r\n@ATTRIBUTE a NUMERIC\n@DATA\n1,2\n",
            "x.arff",
            {"default_target_attribute": "a"},
            422,
            "malformed_file",
            "line",
        ),
        (
            "a,b\n1,2\n",
            "x.csv",
            {"default_target_attribute": "a", "name": "bad name!"},
            422,
            "invalid_input",
            "name",
        ),
        (
            "a,b\n1,2\n",
            "x.csv",
            {"default_target_attribute": "a", "creator": "me"},
            422,
            "invalid_input",
            "creator",
        ),
    ],
)
def test_bad_uploads_are_rejected_and_nothing_is_stored(
    upload: Upload,
    alice: UserKey,
    hive: Hive,
    content: str,
    filename: str,
    meta: dict[str, object],
    status: int,
    code: str,
    needle: str,
) -> None:
    response = upload(alice, content=content, filename=filename, **meta)
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["code"] == code
    assert needle.lower() in problem["detail"].lower()
    with hive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 0
    assert list(hive.store.iterate()) == []


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_upload_is_413(settings: Settings, alice: UserKey, chunked: bool) -> None:
    app = create_app(settings.model_copy(update={"max_upload_bytes": 10_000}))
    body = b"a,b\n" + b"1,2\n" * 5_000
    with TestClient(app) as client:
        if chunked:  # no Content-Length: the limit must hold while reading the stream
            response = client.post(
                "/api/datasets",
                content=iter([body[:5000], body[5000:]]),
                headers={**alice.headers, "Content-Type": "multipart/form-data; boundary=x"},
            )
        else:
            response = client.post(
                "/api/datasets",
                files={"file": ("a.csv", body)},
                data={"metadata": '{"name": "big"}'},
                headers=alice.headers,
            )
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"
        assert list(app.state.hive.store.iterate()) == []


def test_unknown_dataset_is_404_problem(http: TestClient) -> None:
    response = http.get("/api/datasets/999")
    assert response.status_code == 404
    assert response.json() == {
        "type": "urn:mlhive:error:not_found",
        "title": "Not found",
        "status": 404,
        "detail": "dataset 999 not found",
        "code": "not_found",
        "instance": "/api/datasets/999",
    }


@pytest.mark.s3
def test_datasets_live_in_s3_when_configured(
    settings: Settings, s3_storage_options: dict[str, object], alice: UserKey
) -> None:
    s3 = settings.model_copy(
        update={"storage_url": "s3://mlhive-test/api-test", "storage_options": s3_storage_options}
    )
    app = create_app(s3)
    with TestClient(app) as client:
        created = client.post(
            "/api/datasets",
            files={"file": ("d.csv", b"a,b\n1,x\n2,y\n3,x\n")},
            data={"metadata": '{"name": "in-s3", "default_target_attribute": "b"}'},
            headers=alice.headers,
        ).json()
        assert app.state.hive.worker.drain() == 1
        assert app.state.hive.store.url.startswith("s3://")
        assert app.state.hive.store.exists(created["data_sha256"])
        data = client.get(f"/api/datasets/{created['id']}/data")
        assert pq.read_table(io.BytesIO(data.content)).column("a").to_pylist() == [1, 2, 3]
        arff = client.get(f"/api/datasets/{created['id']}/data", params={"format": "arff"})
        assert "@DATA" in arff.text.upper()
        qualities = client.get(f"/api/datasets/{created['id']}/qualities").json()
        assert qualities["NumberOfInstances"] == 3


def test_an_entirely_empty_column_is_kept_and_processed(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = upload(
        alice, content="a,empty,label\n1,,x\n2,,y\n3,,x\n", default_target_attribute="label"
    ).json()
    run_jobs()
    described = http.get(f"/api/datasets/{dataset['id']}").json()
    assert described["processing"] == "done", described["processing_error"]
    features = {f["name"]: f for f in http.get(f"/api/datasets/{dataset['id']}/features").json()}
    assert features["empty"]["number_of_missing_values"] == 3
    assert features["empty"]["number_of_distinct_values"] == 0
    csv = http.get(f"/api/datasets/{dataset['id']}/data", params={"format": "csv"}).text
    assert csv.splitlines()[1].split(",")[1] == ""


def test_an_uploaded_arff_is_served_back_byte_for_byte(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    original = (
        b"% written by hand\n@RELATION people\n\n@ATTRIBUTE age NUMERIC\n"
        b"@ATTRIBUTE colour {red,blue}\n@data\n31,red\n45,blue\n?,red\n"
    )
    dataset = upload(
        alice, content=original, filename="p.arff", default_target_attribute="colour"
    ).json()
    run_jobs()
    served = http.get(f"/api/datasets/{dataset['id']}/data", params={"format": "arff"})
    assert served.content == original
    described = http.get(f"/api/datasets/{dataset['id']}").json()
    assert described["arff_md5"] == hashlib.md5(original).hexdigest()
    http.patch(
        f"/api/datasets/{dataset['id']}",
        json={"default_target_attribute": "age"},
        headers=alice.headers,
    )
    run_jobs()  # reprocessing keeps the uploaded file
    again = http.get(f"/api/datasets/{dataset['id']}/data", params={"format": "arff"})
    assert again.content == original


def test_a_description_reads_the_same_bytes_as_the_routes_that_let_fastapi_serialise_it(
    upload: Upload, http: TestClient, alice: UserKey
) -> None:
    """GET serialises its description itself (the API's most frequent read, without FastAPI's
    second validation): byte for byte what a route returning the model answers (an edit
    that changes nothing returns the unchanged description)."""
    dataset = upload(alice, description="Straße, naïve: ünïcode").json()
    http.post(f"/api/datasets/{dataset['id']}/tags", json={"tag": "demo"}, headers=alice.headers)
    got = http.get(f"/api/datasets/{dataset['id']}")
    assert got.status_code == 200 and got.headers["content-type"] == "application/json"
    unchanged = http.patch(f"/api/datasets/{dataset['id']}", json={}, headers=alice.headers)
    assert unchanged.status_code == 200, unchanged.text
    assert got.content == unchanged.content
    assert got.json()["tags"] == ["demo"] and got.json()["description"].startswith("Straße")
