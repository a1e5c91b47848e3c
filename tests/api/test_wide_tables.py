"""Wide and huge tables over the native API (#15 finding 4): the audit's requests.

A table wider than ``max_columns`` or with more than ``max_cells`` values is refused at upload
with a 413 naming the count, the limit and the setting, and nothing is stored; a 5 000-attribute
ARFF is accepted and processed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.jobs import Job
from mlhive.server.jobs import queue
from mlhive.server.wiring import Hive
from tests.api.conftest import Upload
from tests.api.wide import parquet, wide_arff, wide_csv
from tests.conftest import UserKey


def assert_nothing_stored(hive: Hive) -> None:
    with hive.sessions() as session:
        for table in (Dataset, Job, Blob):
            assert session.scalar(select(func.count()).select_from(table)) == 0, table
    assert list(hive.store.iterate()) == []


def test_the_audit_s_10_001_column_csv_is_refused_at_the_default_cap(
    upload: Upload, alice: UserKey, hive: Hive
) -> None:
    assert hive.settings.max_columns == 10_000  # the default, untouched by the test settings
    response = upload(alice, wide_csv(10_001), "wide.csv", default_target_attribute=None)
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["code"] == "too_many_columns"
    assert "10001 columns" in problem["detail"] and "10000" in problem["detail"]
    assert "MLHIVE_MAX_COLUMNS" in problem["detail"]
    assert_nothing_stored(hive)


def test_a_5_000_attribute_arff_is_accepted_and_processed(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    created = upload(alice, wide_arff(5_000), "wide.arff", default_target_attribute="a4999")
    assert created.status_code == 201, created.text
    dataset = created.json()
    assert dataset["number_of_columns"] == 5_000
    assert run_jobs() == 1
    described = http.get(f"/api/datasets/{dataset['id']}").json()
    assert described["processing"] == "done", described
    features = http.get(f"/api/datasets/{dataset['id']}/features").json()
    assert len(features) == 5_000
    assert features[-1]["name"] == "a4999" and features[-1]["is_target"] is True


@pytest.fixture
def small_caps(settings: Settings) -> Iterator[TestClient]:
    """The app with small caps, so refusals are cheap to provoke (same database and store)."""
    app = create_app(settings.model_copy(update={"max_columns": 50, "max_cells": 1_000}))
    with TestClient(app) as client:
        yield client


def post(client: TestClient, user: UserKey, filename: str, content: bytes) -> httpx.Response:
    return client.post(
        "/api/datasets",
        files={"file": (filename, content)},
        data={"metadata": json.dumps({"name": "capped"})},
        headers=user.headers,
    )


@pytest.mark.parametrize(
    ("filename", "content", "code", "says"),
    [
        ("wide.csv", wide_csv(51), "too_many_columns", "51 columns"),
        ("wide.arff", wide_arff(51), "too_many_columns", "51 columns"),
        ("wide.parquet", parquet(51, 2), "too_many_columns", "51 columns"),
        ("long.csv", wide_csv(10, rows=101), "too_many_cells", "101 rows x 10 columns"),
        ("long.arff", wide_arff(10, rows=101), "too_many_cells", "1010 values"),
        ("long.parquet", parquet(10, 101), "too_many_cells", "MLHIVE_MAX_CELLS"),
    ],
    ids=["csv-cols", "arff-cols", "parquet-cols", "csv-cells", "arff-cells", "parquet-cells"],
)
def test_small_caps_refuse_every_format_and_store_nothing(
    small_caps: TestClient,
    alice: UserKey,
    hive: Hive,
    filename: str,
    content: bytes,
    code: str,
    says: str,
) -> None:
    response = post(small_caps, alice, filename, content)
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["code"] == code and says in problem["detail"]
    assert_nothing_stored(hive)


def test_a_table_at_the_caps_is_accepted(small_caps: TestClient, alice: UserKey) -> None:
    assert post(small_caps, alice, "cols.csv", wide_csv(50, rows=20)).status_code == 201
    assert post(small_caps, alice, "cells.parquet", parquet(10, 100)).status_code == 201


def test_b_s_upload_is_processed_second_after_a_s_five(
    upload: Upload, alice: UserKey, bob: UserKey, hive: Hive
) -> None:
    for user, count in ((alice, 5), (bob, 1)):
        for n in range(count):
            csv = f"x,y\n{n},1\n2,{user.id}\n"
            assert upload(user, csv, name=f"d{n}", default_target_attribute=None).is_success
    owners = []
    for _ in range(6):
        with transaction(hive.sessions) as session:
            job = queue.claim(session, "w1", lease_seconds=600)
            assert job is not None
            owners.append(job.owner)
            queue.finish(session, job.id, "w1")
    assert owners == [alice.id, bob.id, *[alice.id] * 4]


def test_processing_over_the_time_limit_is_stopped_and_the_dataset_says_why(
    settings: Settings, alice: UserKey
) -> None:
    # Summarising 5 000 attributes takes about a second: far beyond a 50 ms limit.
    app = create_app(settings.model_copy(update={"job_time_limit_seconds": 0.05}))
    with TestClient(app) as client:
        created = post(client, alice, "wide.arff", wide_arff(5_000))
        assert created.status_code == 201, created.text
        dataset = created.json()
        assert app.state.hive.worker.drain() == 1  # the worker is free again: nothing left
        job = client.get(f"/api/jobs/{dataset['job_id']}").json()
        described = client.get(f"/api/datasets/{dataset['id']}").json()
    assert job["state"] == "failed" and job["attempts"] == 1  # a verdict: not retried
    assert "job_time_limit_seconds" in job["error"]
    assert described["processing"] == "failed"
    assert described["processing_error"].startswith(
        f"processing dataset {dataset['id']} took longer than the 0.05 s"
    )
    assert described["status"] == "in_preparation"


def test_a_header_far_over_the_cap_is_refused_before_its_data_is_parsed(
    upload: Upload, alice: UserKey, hive: Hive
) -> None:
    # Counting stops just past the cap: the answer says "at least", as the parse never ran.
    response = upload(alice, wide_arff(200_000, rows=1), "huge.arff", default_target_attribute=None)
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["code"] == "too_many_columns"
    assert "at least 10001 columns" in problem["detail"]
    assert_nothing_stored(hive)
