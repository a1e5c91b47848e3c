"""Dataset qualities against OpenML's published values, plus the cases a user runs into.

The reference values are real OpenML API responses that scikit-learn ships with its test suite
(``sklearn/datasets/tests/data/openml``): dataset description, features, qualities and ARFF. Only
datasets whose ARFF there is complete (row count equals OpenML's NumberOfInstances) are used.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import arff
import numpy as np
import pyarrow as pa
import pytest
import sklearn

from mlhive.server.domain.datasets.features import summarize_features
from mlhive.server.domain.datasets.landmarkers import LANDMARKER_QUALITY_NAMES
from mlhive.server.domain.datasets.qualities import QUALITY_NAMES, compute_qualities

OPENML_FIXTURES = Path(sklearn.__file__).parent / "datasets" / "tests" / "data" / "openml"
# Every fixture with qualities and a complete ARFF: kr-vs-kp, iris, zoo, cpu, glass2, Titanic,
# penguins (the others ship a few rows of a larger dataset).
COMPLETE_DATASETS = [3, 61, 62, 561, 40675, 40945, 42585]
CLASSIFICATION_DATASETS = [3, 61, 62, 40675, 40945, 42585]


@dataclass(frozen=True)
class OpenMLDataset:
    table: pa.Table
    target: str | None
    ignore: list[str]
    row_id: str | None
    qualities: dict[str, float | None]
    features: list[dict[str, Any]]


def _read_json(path: Path) -> Any:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _arff_column(values: list[Any], declared: Any) -> pa.Array:
    if isinstance(declared, list):
        # liac-arff reads a declared category "?" as None; keep it as the category "?".
        categories = ["?" if c is None else str(c) for c in declared]
        lookup = {c: i for i, c in enumerate(declared)}
        codes = pa.array([None if v is None else lookup[v] for v in values], pa.int32())
        return pa.DictionaryArray.from_arrays(codes, pa.array(categories, pa.string()))
    if declared.upper() in ("NUMERIC", "REAL", "INTEGER"):
        return pa.array(values, pa.float64())
    if declared.upper() == "STRING":
        return pa.array(values, pa.string())
    raise AssertionError(f"fixture has an attribute type the loader does not know: {declared}")


@functools.cache
def openml_dataset(dataset_id: int) -> OpenMLDataset:
    folder = OPENML_FIXTURES / f"id_{dataset_id}"
    description = _read_json(folder / f"api-v1-jd-{dataset_id}.json.gz")["data_set_description"]
    qualities = _read_json(next(folder.glob("api-v1-jdq-*.json.gz")))["data_qualities"]
    features = _read_json(next(folder.glob("api-v1-jdf-*.json.gz")))["data_features"]
    with gzip.open(next(folder.glob("data-v1-dl-*.arff.gz")), "rt", encoding="utf-8") as handle:
        raw = arff.load(handle)
    columns = {
        name: _arff_column([row[index] for row in raw["data"]], declared)
        for index, (name, declared) in enumerate(raw["attributes"])
    }
    ignore = description.get("ignore_attribute") or []
    return OpenMLDataset(
        table=pa.table(columns),
        target=description.get("default_target_attribute"),
        ignore=[ignore] if isinstance(ignore, str) else list(ignore),
        row_id=description.get("row_id_attribute"),
        qualities={
            q["name"]: None if q["value"] in ([], None) else float(q["value"])
            for q in qualities["quality"]
        },
        features=features["feature"],
    )


@functools.cache
def our_qualities(dataset_id: int) -> dict[str, float | None]:
    data = openml_dataset(dataset_id)
    return compute_qualities(data.table, target=data.target, ignore=data.ignore, row_id=data.row_id)


def _value(qualities: dict[str, float | None], name: str) -> float:
    value = qualities[name]
    assert value is not None, name
    return value


def _listed_nominal_values(feature: dict[str, Any]) -> list[str] | None:
    """OpenML's JSON has ``nominal_value`` as a list or string, or a JSON-encoded list."""
    listed = feature.get("nominal_value", feature.get("nominal_values"))
    if isinstance(listed, str):
        return list(json.loads(listed)) if listed.startswith("[") else [listed]
    return listed


def _nominal(values: list[str | None], categories: list[str]) -> pa.DictionaryArray:
    codes = pa.array([None if v is None else categories.index(v) for v in values], pa.int32())
    return pa.DictionaryArray.from_arrays(codes, pa.array(categories))


# --- agreement with OpenML --------------------------------------------------------------------


@pytest.mark.parametrize("dataset_id", COMPLETE_DATASETS)
def test_fixture_is_the_complete_dataset(dataset_id: int) -> None:
    data = openml_dataset(dataset_id)
    assert data.table.num_rows == data.qualities["NumberOfInstances"]


@pytest.mark.parametrize("dataset_id", COMPLETE_DATASETS)
def test_qualities_match_openml_exactly(dataset_id: int) -> None:
    theirs = openml_dataset(dataset_id).qualities
    ours = our_qualities(dataset_id)
    compared = [n for n in QUALITY_NAMES if n in theirs and n not in LANDMARKER_QUALITY_NAMES]
    assert len(compared) >= 19  # penguins lists the 19 simple qualities only
    mismatches = {
        name: (ours[name], theirs[name])
        for name in compared
        if not (
            ours[name] is None
            if theirs[name] is None
            else ours[name] == pytest.approx(theirs[name], rel=1e-6, abs=1e-12)
        )
    }
    assert mismatches == {}


def test_quality_names_are_spelled_like_openml() -> None:
    # iris lists OpenML's full set (107 qualities, landmarkers included).
    assert set(QUALITY_NAMES) <= set(openml_dataset(61).qualities)


@pytest.mark.parametrize("dataset_id", COMPLETE_DATASETS)
def test_feature_summaries_match_openml(dataset_id: int) -> None:
    data = openml_dataset(dataset_id)
    ours = summarize_features(
        data.table, target=data.target, ignore=data.ignore, row_id=data.row_id
    )
    for mine, theirs in zip(ours, data.features, strict=True):
        assert (mine.index, mine.name, mine.data_type) == (
            int(theirs["index"]),
            theirs["name"],
            theirs["data_type"],
        )
        assert mine.number_of_missing_values == int(theirs["number_of_missing_values"])
        flags = (mine.is_target, mine.is_ignore, mine.is_row_identifier)
        expected = tuple(
            theirs[k] == "true" for k in ("is_target", "is_ignore", "is_row_identifier")
        )
        assert flags == expected
        listed = _listed_nominal_values(theirs)
        if listed is not None:
            # OpenML lists the values actually used; ours are the declared categories.
            assert set(listed) <= set(mine.nominal_values or [])


# --- landmarkers ------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset_id", CLASSIFICATION_DATASETS)
def test_landmarkers_are_valid_scores(dataset_id: int) -> None:
    ours = our_qualities(dataset_id)
    for learner in ("DecisionStump", "NaiveBayes", "kNN1N"):
        auc, error, kappa = (_value(ours, f"{learner}{m}") for m in ("AUC", "ErrRate", "Kappa"))
        assert 0.5 <= auc <= 1.0, learner
        assert 0.0 <= error < 1.0 - 1.0 / 7, learner  # beats guessing among up to 7 classes
        assert 0.0 < kappa <= 1.0, learner


@pytest.mark.parametrize("dataset_id", [3, 61])
def test_landmarkers_are_close_to_openmls_weka_values(dataset_id: int) -> None:
    # Weka with 2-fold CV versus scikit-learn with 10-fold CV: close, never identical.
    theirs, ours = openml_dataset(dataset_id).qualities, our_qualities(dataset_id)
    for name in LANDMARKER_QUALITY_NAMES:
        assert abs(_value(ours, name) - _value(theirs, name)) < 0.1, name


def test_landmarkers_on_iris() -> None:
    ours = our_qualities(61)
    assert _value(ours, "kNN1NErrRate") < 0.1
    assert _value(ours, "NaiveBayesErrRate") < 0.1
    # One split cannot separate three classes: a stump misclassifies at least a third.
    assert ours["DecisionStumpErrRate"] == pytest.approx(1 / 3, abs=0.02)


def test_nearest_neighbour_beats_a_stump_on_kr_vs_kp() -> None:
    ours = our_qualities(3)
    assert _value(ours, "kNN1NErrRate") < _value(ours, "DecisionStumpErrRate")


def test_landmarkers_are_none_for_a_regression_target() -> None:
    ours = our_qualities(561)
    assert all(ours[name] is None for name in LANDMARKER_QUALITY_NAMES)


def test_landmarkers_are_reproducible_and_use_the_sample() -> None:
    data = openml_dataset(3)
    first = compute_qualities(data.table, target=data.target, sample_rows=300, seed=7)
    again = compute_qualities(data.table, target=data.target, sample_rows=300, seed=7)
    assert first == again
    # A 300-row sample learns less than the full 3196 rows.
    assert _value(first, "kNN1NErrRate") > _value(our_qualities(3), "kNN1NErrRate")
    # Qualities other than the landmarkers always use every row.
    assert first["MajorityClassSize"] == our_qualities(3)["MajorityClassSize"]


# --- cases a user runs into -------------------------------------------------------------------


@pytest.fixture
def mixed() -> pa.Table:
    return pa.table(
        {
            "x": pa.array([1.0, 2.0, None, 4.0, 8.0, 3.0]),
            "constant": pa.array([5, 5, 5, 5, 5, 5]),
            "empty": pa.array([None] * 6, pa.float64()),
            "text": pa.array(["a", None, "b", "c", "d", "e"]),
            "flag": pa.array([True, False, True, True, False, False]),
            "colour": _nominal(["r", "g", "r", None, "b", "r"], ["r", "g", "b"]),
            "label": _nominal(["y", "n", "y", "n", "n", "n"], ["y", "n"]),
        }
    )


def _assert_json_safe(qualities: dict[str, float | None]) -> None:
    assert list(qualities) == list(QUALITY_NAMES)
    json.dumps(qualities, allow_nan=False)  # raises on NaN or infinity
    assert all(v is None or math.isfinite(v) for v in qualities.values())


def test_simple_counts_on_a_handcrafted_table(mixed: pa.Table) -> None:
    q = compute_qualities(mixed, target="label")
    _assert_json_safe(q)
    assert q["NumberOfFeatures"] == 7
    assert (q["NumberOfNumericFeatures"], q["NumberOfSymbolicFeatures"]) == (3, 3)
    assert q["NumberOfBinaryFeatures"] == 2  # flag and label; colour declares three
    assert q["NumberOfMissingValues"] == 1 + 6 + 1 + 1
    assert q["NumberOfInstancesWithMissingValues"] == 6  # "empty" is missing everywhere
    assert (q["NumberOfClasses"], q["MajorityClassSize"], q["MinorityClassSize"]) == (2, 4, 2)
    assert q["AutoCorrelation"] == pytest.approx(2 / 5)  # same class in 2 of 5 pairs


def test_constant_and_empty_columns_leave_no_nan(mixed: pa.Table) -> None:
    q = compute_qualities(mixed, target="label")
    # Means and standard deviations over x and the constant column; the empty one has none.
    assert q["MinStdDevOfNumericAtts"] == 0.0
    assert q["MaxMeansOfNumericAtts"] == 5.0
    # A constant column has no skewness, so only x is summarised.
    assert q["MinSkewnessOfNumericAtts"] == q["MaxSkewnessOfNumericAtts"]
    assert q["MinSkewnessOfNumericAtts"] is not None


def test_without_target_class_qualities_are_none(mixed: pa.Table) -> None:
    q = compute_qualities(mixed, target=None)
    _assert_json_safe(q)
    assert q["NumberOfInstances"] == 6
    for name in ("NumberOfClasses", "MajorityClassSize", "AutoCorrelation", "ClassEntropy"):
        assert q[name] is None, name
    assert q["MeanMutualInformation"] is None
    assert q["MeanMeansOfNumericAtts"] is not None


def test_numeric_target_is_regression(mixed: pa.Table) -> None:
    q = compute_qualities(
        mixed.drop_columns(["x"]).append_column("y", pa.array([1.0, 3, 2, 2, 5, 4])), target="y"
    )
    _assert_json_safe(q)
    assert q["NumberOfClasses"] == 0
    assert q["MajorityClassSize"] is None
    assert q["ClassEntropy"] is None
    # (n - 1 - sum |y[i] - y[i-1]|) / (n - 1) with |diffs| = 2, 1, 0, 3, 1
    assert q["AutoCorrelation"] == pytest.approx((5 - 7) / 5)


def test_single_row_table(mixed: pa.Table) -> None:
    q = compute_qualities(mixed.slice(0, 1), target="label")
    _assert_json_safe(q)
    assert (q["NumberOfInstances"], q["NumberOfClasses"]) == (1, 1)
    assert q["AutoCorrelation"] is None
    assert q["MeanStdDevOfNumericAtts"] == 0.0  # a single value has no spread
    assert q["MaxSkewnessOfNumericAtts"] is None
    assert q["ClassEntropy"] == 0.0
    assert q["kNN1NErrRate"] is None


def test_empty_table() -> None:
    q = compute_qualities(pa.table({"x": pa.array([], pa.float64())}), target=None)
    _assert_json_safe(q)
    assert (q["NumberOfInstances"], q["NumberOfFeatures"], q["Dimensionality"]) == (0, 1, 0)
    assert q["PercentageOfMissingValues"] is None


def test_ignored_and_row_id_attributes_do_not_count(mixed: pa.Table) -> None:
    q = compute_qualities(mixed, target="label", ignore=["text", "empty"], row_id="constant")
    assert q["NumberOfFeatures"] == 4
    assert q["NumberOfMissingValues"] == 2


def test_dates_count_as_numeric_like_weka() -> None:
    days = pa.array([dt.date(2024, 1, d) for d in (1, 2, 4)])
    q = compute_qualities(pa.table({"when": days}), target=None)
    assert q["NumberOfNumericFeatures"] == 1
    # Weka holds dates as milliseconds since the epoch.
    expected = np.mean(
        [dt.datetime(2024, 1, d, tzinfo=dt.UTC).timestamp() * 1000 for d in (1, 2, 4)]
    )
    assert q["MeanMeansOfNumericAtts"] == pytest.approx(expected)


def test_missing_target_values_are_not_a_class() -> None:
    table = pa.table({"y": _nominal(["a", None, "a", "b"], ["a", "b"]), "x": [1.0, 2, 3, 4]})
    q = compute_qualities(table, target="y")
    assert (q["NumberOfClasses"], q["MajorityClassSize"], q["MinorityClassSize"]) == (2, 2, 1)
    assert q["AutoCorrelation"] == 0.0  # a missing class never equals its neighbour


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "nope"}, "nope"),
        ({"target": "x", "ignore": ["x"]}, "cannot be ignored"),
        ({"target": None, "row_id": "missing"}, "missing"),
    ],
)
def test_bad_attribute_names_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_qualities(pa.table({"x": [1.0, 2.0]}), **kwargs)


def test_landmarkers_are_at_chance_without_informative_attributes() -> None:
    labels = _nominal(["a", "b"] * 20, ["a", "b"])
    table = pa.table({"constant": [1.0] * 40, "empty": pa.array([None] * 40, pa.float64())})
    q = compute_qualities(table.append_column("y", labels), target="y")
    _assert_json_safe(q)
    for learner in ("DecisionStump", "NaiveBayes", "kNN1N"):
        assert q[f"{learner}AUC"] == 0.5, learner
        assert q[f"{learner}Kappa"] == 0.0, learner
