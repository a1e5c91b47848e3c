"""Datasets through the real openml-python client: publish, read back (ARFF and Parquet),
features and qualities, lists with filters, edits and the error codes the client reads."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import openml
import pandas as pd
import pytest
from openml.exceptions import (
    OpenMLNotAuthorizedError,
    OpenMLPrivateDatasetError,
    OpenMLServerException,
)

from conftest import Server, publish_frame

FRAME = pd.DataFrame(
    {
        "width": [1.5, 2.25, np.nan, 4.0, 5.5, 6.0, 7.125, np.nan],
        "colour": pd.Categorical(["red", "blue", None, "red", "green", "blue", "red", "green"]),
        "note": ["plain", "Zürich", None, "東京", "it's, quoted", "x", "y%z", "ok"],
        "count": [3, 1, 4, 1, 5, 9, 2, 6],
        "label": pd.Categorical(["yes", "no", "yes", "no", "yes", "no", "yes", "no"]),
    }
)


def _values(column: pd.Series) -> list[Any]:
    out: list[Any] = []
    for value in column.astype(object).tolist():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
        elif isinstance(value, int | float | np.integer | np.floating):
            out.append(float(value))
        else:
            out.append(str(value))
    return out


@pytest.fixture(scope="module")
def dataset_id() -> int:
    return publish_frame(FRAME, "compat-mixed", "label", tags=["compat-mixed"])


def _load(dataset_id: int, *, parquet: bool) -> openml.datasets.OpenMLDataset:
    os.environ[openml.datasets.functions.OPENML_SKIP_PARQUET_ENV_VAR] = str(not parquet).lower()
    try:
        dataset = openml.datasets.get_dataset(
            dataset_id, download_data=True, force_refresh_cache=True
        )
        dataset.get_data()
    finally:
        del os.environ[openml.datasets.functions.OPENML_SKIP_PARQUET_ENV_VAR]
    return dataset


@pytest.mark.parametrize("parquet", [False, True], ids=["arff", "parquet"])
def test_published_frame_comes_back_the_same(dataset_id: int, parquet: bool) -> None:
    dataset = _load(dataset_id, parquet=parquet)
    assert (dataset.parquet_file is not None) is parquet
    X, y, categorical, names = dataset.get_data(target="label")
    assert names == ["width", "colour", "note", "count"]
    assert categorical == [False, True, False, False]
    for column in names:
        assert _values(X[column]) == _values(FRAME[column]), column
    assert list(y.astype(str)) == list(FRAME["label"].astype(str))
    assert list(X["colour"].cat.categories) == ["blue", "green", "red"]


def test_arff_and_parquet_paths_agree(dataset_id: int) -> None:
    via_arff = _load(dataset_id, parquet=False).get_data()[0]
    via_parquet = _load(dataset_id, parquet=True).get_data()[0]
    for column in FRAME.columns:
        assert _values(via_arff[column]) == _values(via_parquet[column]), column


def test_features_and_qualities_as_the_client_reads_them(dataset_id: int) -> None:
    dataset = openml.datasets.get_dataset(
        dataset_id, download_qualities=True, download_features_meta_data=True
    )
    features = {f.name: f for f in dataset.features.values()}
    assert [features[n].data_type for n in FRAME.columns] == [
        "numeric",
        "nominal",
        "string",
        "numeric",
        "nominal",
    ]
    assert features["colour"].nominal_values == ["blue", "green", "red"]
    assert features["width"].number_missing_values == 2
    assert dataset.qualities is not None
    assert dataset.qualities["NumberOfInstances"] == len(FRAME)
    assert dataset.qualities["NumberOfFeatures"] == len(FRAME.columns)
    assert dataset.qualities["NumberOfMissingValues"] == 4
    assert dataset.retrieve_class_labels("label") == ["no", "yes"]


def test_list_with_tag_status_and_quality_range(dataset_id: int) -> None:
    tagged = openml.datasets.list_datasets(tag="compat-mixed", output_format="dataframe")
    assert list(tagged["did"]) == [dataset_id]
    assert tagged.loc[dataset_id, "NumberOfInstances"] == len(FRAME)
    in_range = openml.datasets.list_datasets(
        number_instances="8..8", status="active", output_format="dataframe"
    )
    assert dataset_id in set(in_range["did"])
    outside = openml.datasets.list_datasets(
        number_instances="9..100", tag="compat-mixed", output_format="dataframe"
    )
    assert outside.empty  # "no results" (372) is an empty listing for the client
    deactivated = openml.datasets.list_datasets(
        tag="compat-mixed", status="deactivated", output_format="dataframe"
    )
    assert deactivated.empty


def test_status_edit_fork_tag_and_delete(dataset_id: int) -> None:
    openml.datasets.status_update(dataset_id, "deactivated")
    listed = openml.datasets.list_datasets(
        data_id=[dataset_id], status="deactivated", output_format="dataframe"
    )
    assert list(listed["did"]) == [dataset_id]
    openml.datasets.status_update(dataset_id, "active")
    assert openml.datasets.edit_dataset(dataset_id, description="edited") == dataset_id
    fork_id = openml.datasets.fork_dataset(dataset_id)
    fork = openml.datasets.get_dataset(fork_id)
    assert (fork.name, fork.description) == ("compat-mixed", "edited")
    assert fork.version > 1
    fork.push_tag("forked")
    assert openml.datasets.list_datasets(tag="forked", status="all", output_format="dataframe")[
        "did"
    ].tolist() == [fork_id]
    fork.remove_tag("forked")
    with pytest.raises(OpenMLNotAuthorizedError, match="still has associated entities"):
        openml.datasets.delete_dataset(dataset_id)  # the fork depends on it
    assert openml.datasets.delete_dataset(fork_id)
    with pytest.raises(OpenMLServerException) as missing:
        openml.datasets.get_dataset(fork_id, force_refresh_cache=True)
    assert missing.value.code == 111


def test_others_private_dataset_is_112_and_others_cannot_delete(
    server: Server, dataset_id: int
) -> None:
    private_id = publish_frame(FRAME, "compat-private", "label", visibility="private")
    admin_key = openml.config.apikey
    openml.config.apikey = server.new_user("mallory")
    try:
        with pytest.raises(OpenMLPrivateDatasetError):
            openml.datasets.get_dataset(private_id, force_refresh_cache=True)
        with pytest.raises(OpenMLNotAuthorizedError, match="not uploaded by you"):
            openml.datasets.delete_dataset(dataset_id)
    finally:
        openml.config.apikey = admin_key


def test_missing_and_invalid_keys_get_102_and_103(dataset_id: int) -> None:
    admin_key = openml.config.apikey
    try:
        openml.config.apikey = "mlh_not-a-key"
        with pytest.raises(OpenMLServerException) as invalid:
            openml.datasets.list_datasets(output_format="dataframe")
        assert invalid.value.code == 103
        openml.config.apikey = ""  # 102: the client's "requires authentication" error
        with pytest.raises(OpenMLNotAuthorizedError, match="requires authentication"):
            openml.datasets.status_update(dataset_id, "active")
    finally:
        openml.config.apikey = admin_key


def test_the_key_never_reaches_the_log(server: Server, dataset_id: int) -> None:
    openml.datasets.list_datasets(data_id=[dataset_id], output_format="dataframe")
    log = server.log.read_text()
    assert "api_key=***" in log
    assert server.api_key not in log
