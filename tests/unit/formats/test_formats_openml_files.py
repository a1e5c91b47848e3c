"""Real OpenML ARFF files (shipped with scikit-learn's tests) read as OpenML describes them."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from mlhive.formats.arff import read_arff, write_arff
from mlhive.formats.types import feature_type, nominal_values

sklearn = pytest.importorskip("sklearn")
OPENML_DIR = Path(sklearn.__file__).parent / "datasets" / "tests" / "data" / "openml"
DATASET_DIRS = sorted(OPENML_DIR.glob("id_*"))


def load(directory: Path) -> tuple[pa.Table, list[dict[str, Any]]]:
    data_file = next(directory.glob("data-v1-dl-*.arff.gz"))
    features_file = directory / f"api-v1-jdf-{directory.name.removeprefix('id_')}.json.gz"
    table = read_arff(io.BytesIO(gzip.decompress(data_file.read_bytes())))
    features = json.loads(gzip.decompress(features_file.read_bytes()))["data_features"]["feature"]
    return table, features


def declared_values(feature: dict[str, Any]) -> list[str] | None:
    """OpenML's JSON holds nominal values as a JSON string, a list, or (one value) a string."""
    if "nominal_values" in feature:
        values: list[str] = json.loads(feature["nominal_values"])
        return values
    value = feature.get("nominal_value")
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def test_the_files_are_there() -> None:
    assert len(DATASET_DIRS) >= 10


@pytest.mark.parametrize("directory", DATASET_DIRS, ids=lambda d: d.name)
def test_columns_types_and_categories_match_openml(directory: Path) -> None:
    table, features = load(directory)

    assert table.column_names == [f["name"] for f in features]
    for feature in features:
        column = table.column(feature["name"])
        assert feature_type(column.type) == feature["data_type"], feature["name"]
        values = declared_values(feature)
        if feature["data_type"] == "nominal" and values is not None:
            # OpenML lists some datasets' categories sorted, others in declared order.
            assert sorted(nominal_values(column)) == sorted(values), feature["name"]


def test_iris_in_full() -> None:
    table, features = load(OPENML_DIR / "id_61")

    assert table.shape == (150, 5)
    assert table.schema.types[:4] == [pa.float64()] * 4
    assert nominal_values(table.column("class")) == json.loads(features[4]["nominal_values"])
    assert table.column("class").to_pylist()[::50] == [
        "Iris-setosa",
        "Iris-versicolor",
        "Iris-virginica",
    ]
    assert table.column("sepallength")[0].as_py() == 5.1


def test_sparse_file_reads_as_dense_zeros() -> None:
    table, _ = load(OPENML_DIR / "id_292")

    assert table.shape == (85, 15)
    # Row 1 of the file is "{0 -1, 1 1, 2 -0.7494737, 3 -0.1814286, 5 -0.5384615, ...}".
    assert table.column("Y")[0].as_py() == "-1"
    assert table.column("X4")[0].as_py() == 0.0


def test_titanic_keeps_strings_and_missing_values() -> None:
    table, _ = load(OPENML_DIR / "id_40945")

    assert table.num_rows == 1309
    assert table.column("name").type == pa.string()
    assert table.column("name")[0].as_py() == "Allen, Miss. Elisabeth Walton"
    assert table.column("age").null_count == 263
    assert table.column("cabin").null_count == 1014


@pytest.mark.parametrize("directory", DATASET_DIRS, ids=lambda d: d.name)
def test_rewritten_files_read_back_identically(directory: Path) -> None:
    table, _ = load(directory)
    sink = io.BytesIO()
    write_arff(table, sink, directory.name)

    assert read_arff(io.BytesIO(sink.getvalue())).equals(table)
