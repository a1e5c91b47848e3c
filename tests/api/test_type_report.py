"""The type report over HTTP: every feature says why it has its type, dirty values are listed,
and the type overrides of an upload are honoured or refused naming the problem."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Upload
from tests.conftest import UserKey

ROWS = 40


def survey_csv() -> str:
    """40 rows: a dirty numeric column, markers in a clean one, a 0/1 class, text labels."""
    lines = ["income,age,churned,plan,joined,note"]
    for i in range(ROWS):
        income = {3: "n/a", 7: "—", 11: "?"}.get(i, str(1000 + 17 * i))
        age = "NA" if i in (5, 9) else str(20 + i)
        plan = ("basic", "pro", "team", "free")[i % 4]
        joined = "someday" if i == 2 else f"2024-01-{i % 28 + 1:02d}"
        lines.append(f"{income},{age},{i % 2},{plan},{joined},free text number {i}")
    return "\n".join(lines) + "\n"


def send(upload: Upload, user: UserKey, **meta: Any) -> Any:
    """Upload the survey (target ``plan`` unless told otherwise)."""
    meta.setdefault("default_target_attribute", "plan")
    return upload(user, survey_csv(), "survey.csv", name="survey", **meta)


def features_of(
    http: TestClient, upload: Upload, user: UserKey, run_jobs: Callable[[], int], **meta: Any
) -> dict[str, dict[str, Any]]:
    created = send(upload, user, **meta)
    assert created.status_code == 201, created.text
    run_jobs()
    dataset_id = created.json()["id"]
    assert http.get(f"/api/datasets/{dataset_id}").json()["processing"] == "done"
    rows = http.get(f"/api/datasets/{dataset_id}/features").json()
    return {row["name"]: row for row in rows}


def test_every_feature_says_why_it_has_its_type(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    features = features_of(http, upload, alice, run_jobs, default_target_attribute="plan")

    income = features["income"]
    assert income["data_type"] == "numeric"
    assert income["number_of_missing_values"] == 3
    assert income["reason"].startswith("3 of 40 values are not numbers: ")
    for shown in ("'n/a' (1)", "'—' (1)", "'?' (1)", "→ treated as missing"):
        assert shown in income["reason"]
    assert {d["value"]: d["count"] for d in income["dirty_values"]} == {"n/a": 1, "—": 1, "?": 1}

    age = features["age"]
    assert age["data_type"] == "numeric" and age["number_of_missing_values"] == 2
    assert "2 values read as missing: 'NA' (2)" in age["reason"]
    assert age["dirty_values"] == [{"value": "NA", "count": 2}]

    churned = features["churned"]
    assert churned["data_type"] == "numeric"
    assert churned["reason"].startswith("integer column with 2 distinct values 0/1: numeric")
    assert "nominal_attributes" in churned["reason"]

    assert features["plan"]["data_type"] == "nominal"
    assert features["plan"]["reason"].startswith(
        "read as nominal because it has 4 distinct text values"
    )
    assert features["plan"]["dirty_values"] == []

    joined = features["joined"]
    assert joined["data_type"] == "date"
    assert joined["reason"].startswith("1 of 40 values is not a date: 'someday' (1)")

    assert features["note"]["data_type"] == "string"
    assert features["note"]["reason"].startswith("kept as free text: 40 distinct values in 40")


def test_overrides_declare_types_and_missing_values(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    features = features_of(
        http,
        upload,
        alice,
        run_jobs,
        default_target_attribute="churned",
        nominal_attributes=["churned"],
        string_attributes=["plan"],
        missing_values=["n/a", "—", "someday"],
        numeric_attributes=["income"],
        date_attributes=["joined"],
    )
    churned = features["churned"]
    assert (churned["data_type"], churned["nominal_values"]) == ("nominal", ["0", "1"])
    assert churned["reason"] == "declared nominal with nominal_attributes"
    assert features["plan"]["data_type"] == "string"
    income = features["income"]
    assert (income["data_type"], income["number_of_missing_values"]) == ("numeric", 3)
    assert income["reason"].startswith("declared numeric with numeric_attributes; 3 values")
    assert {d["value"] for d in income["dirty_values"]} == {"n/a", "—", "?"}
    assert features["joined"]["data_type"] == "date"
    assert features["joined"]["dirty_values"] == [{"value": "someday", "count": 1}]


def test_a_declared_nominal_target_takes_a_classification_task(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    created = send(
        upload,
        alice,
        default_target_attribute="churned",
        nominal_attributes=["churned"],
    ).json()
    run_jobs()
    task = http.post(
        "/api/tasks",
        json={
            "dataset_id": created["id"],
            "task_type": "supervised_classification",
            "estimation_procedure_id": 1,
        },
        headers=alice.headers,
    )
    assert task.status_code == 201, task.text


@pytest.mark.parametrize(
    ("meta", "named"),
    [
        ({"nominal_attributes": ["nope"]}, "nominal_attributes: there is no column 'nope'"),
        ({"numeric_attributes": ["Income"]}, "numeric_attributes: there is no column 'Income'"),
        ({"date_attributes": ["when"]}, "date_attributes: there is no column 'when'"),
    ],
)
def test_an_override_naming_no_column_is_refused(
    upload: Upload, alice: UserKey, meta: dict[str, Any], named: str
) -> None:
    answer = send(upload, alice, **meta)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "unknown_column"
    assert named in problem["detail"] and "income" in problem["detail"]


def test_a_numeric_override_on_text_is_refused_with_the_values(
    http: TestClient, upload: Upload, alice: UserKey
) -> None:
    answer = send(upload, alice, numeric_attributes=["plan"])
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "column 'plan' is declared numeric (numeric_attributes)" in detail
    assert "'basic' (10)" in detail and "missing_values" in detail
    # nothing was stored
    assert http.get("/api/datasets", params={"name": "survey"}).json()["items"] == []


def test_a_date_override_on_numbers_is_refused(upload: Upload, alice: UserKey) -> None:
    answer = send(upload, alice, date_attributes=["age"])
    assert answer.status_code == 422
    assert "column 'age' is declared date" in answer.json()["detail"]


def test_two_types_for_one_column_are_refused(upload: Upload, alice: UserKey) -> None:
    answer = send(
        upload,
        alice,
        nominal_attributes=["age"],
        numeric_attributes=["age"],
    )
    assert answer.status_code == 422
    assert "'age' forced both nominal and numeric" in answer.json()["detail"]


def test_parquet_overrides_and_stored_types_are_explained(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    frame = pd.DataFrame(
        {
            "size": pd.Categorical(["s", "m", "l", "m"] * 5),
            "score": ["1.5", "2", "n/a", "3"] * 5,
            "flag": [0, 1, 1, 0] * 5,
        }
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    created = upload(
        alice,
        buffer.getvalue(),
        "frame.parquet",
        name="frame",
        default_target_attribute="flag",
        numeric_attributes=["score"],
        missing_values=["n/a"],
    )
    assert created.status_code == 201, created.text
    run_jobs()
    rows = http.get(f"/api/datasets/{created.json()['id']}/features").json()
    features = {row["name"]: row for row in rows}
    assert features["size"]["reason"] == "stored as categorical in the file, with 3 categories"
    assert features["score"]["data_type"] == "numeric"
    assert features["score"]["dirty_values"] == [{"value": "n/a", "count": 5}]
    assert features["flag"]["reason"].startswith("integer column with 2 distinct values 0/1")


def test_the_dataset_page_shows_the_reasons(
    http: TestClient, upload: Upload, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    created = send(
        upload,
        alice,
    ).json()
    run_jobs()
    page = http.get(f"/datasets/{created['id']}")
    assert page.status_code == 200
    assert "read as nominal because it has 4 distinct text values" in page.text
    shown = html.unescape(page.text)
    assert "3 of 40 values are not numbers: '?' (1), 'n/a' (1), '—' (1)" in shown
