"""The type report through the client: a DataFrame read from a CSV and the CSV itself give the
same types, and ``dataset.features`` explains them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from mlhive import Client

ROWS = 30


@pytest.fixture
def measurements_csv(tmp_path: Path) -> Path:
    lines = ["species,legs,weight,seen,alive,tag"]
    for i in range(ROWS):
        weight = {4: "?", 8: "n/a"}.get(i, f"{1.5 + i / 4}")
        species = ("ant", "bee", "wasp")[i % 3]
        alive = "true" if i % 3 else "false"
        lines.append(f"{species},{i % 2},{weight},2024-03-{i % 28 + 1:02d},{alive},tag-{i}")
    path = tmp_path / "measurements.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_dataframe_from_read_csv_and_the_csv_give_the_same_types(
    client: Client, run_jobs: Callable[[], int], measurements_csv: Path
) -> None:
    frame = pd.read_csv(measurements_csv)
    assert frame["species"].dtype != "category"  # pandas' text dtype, not a categorical
    from_csv = client.datasets.publish(measurements_csv, name="from-csv", target="species")
    from_frame = client.datasets.publish(frame, name="from-frame", target="species")
    run_jobs()

    columns = ["name", "data_type", "nominal_values", "number_of_missing_values"]
    csv_features = client.datasets.get(from_csv.id).features
    frame_features = client.datasets.get(from_frame.id).features
    pd.testing.assert_frame_equal(csv_features[columns], frame_features[columns])
    types = dict(zip(csv_features["name"], csv_features["data_type"], strict=True))
    assert types == {
        "species": "nominal",
        "legs": "numeric",
        "weight": "numeric",
        "seen": "date",
        "alive": "nominal",
        "tag": "string",
    }
    # the text target of the DataFrame takes a classification task
    task = client.tasks.create(from_frame.id, "supervised_classification", target="species")
    assert task.target == "species"


def test_features_carry_the_reason_and_the_dirty_values(
    client: Client, run_jobs: Callable[[], int], measurements_csv: Path
) -> None:
    published = client.datasets.publish(measurements_csv, name="measured", target="species")
    run_jobs()
    features = client.datasets.get(published.id).features.set_index("name")
    assert {"reason", "dirty_values"} <= set(features.columns)
    assert features.loc["species", "reason"].startswith(
        "read as nominal because it has 3 distinct text values"
    )
    assert features.loc["weight", "reason"].startswith(
        "2 of 30 values are not numbers: '?' (1), 'n/a' (1) → treated as missing"
    )
    assert features.loc["weight", "dirty_values"] == [
        {"value": "?", "count": 1},
        {"value": "n/a", "count": 1},
    ]


def test_publish_declares_an_integer_class_nominal(
    client: Client, run_jobs: Callable[[], int], measurements_csv: Path
) -> None:
    published = client.datasets.publish(
        measurements_csv,
        name="legs",
        target="legs",
        nominal_attributes=["legs"],
        missing_values=["n/a"],
    )
    run_jobs()
    features = client.datasets.get(published.id).features.set_index("name")
    assert features.loc["legs", "data_type"] == "nominal"
    assert features.loc["legs", "nominal_values"] == ["0", "1"]
    assert features.loc["weight", "reason"].startswith("every value is a number; 2 values read")
