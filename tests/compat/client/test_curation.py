"""OpenML's remaining calls and rules through the real openml-python client: quality names,
topics, feature ontologies, ``edit_dataset``'s rules, study members, aliases, flow versions,
the flow document's round trip and the URI limit."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import numpy as np
import openml
import pandas as pd
import pytest
import xmltodict
from openml._api_calls import _perform_api_call
from openml.exceptions import OpenMLServerError, OpenMLServerException

from conftest import Server, publish_frame

FRAME = pd.DataFrame(
    {
        "size": np.arange(12, dtype=float),
        "kind": pd.Categorical(["a", "b", "c"] * 4),
        "label": pd.Categorical(["y", "n"] * 6),
    }
)


@pytest.fixture(scope="module")
def dataset_id() -> int:
    return publish_frame(FRAME, "compat-curation", "label")


@pytest.fixture
def as_mallory(server: Server) -> Iterator[None]:
    """Act as a signed-in user who owns nothing."""
    admin_key = openml.config.apikey
    openml.config.apikey = server.new_user(f"mallory-{uuid.uuid4().hex[:8]}")
    try:
        yield
    finally:
        openml.config.apikey = admin_key


def test_quality_names_are_listed(dataset_id: int) -> None:
    names = openml.datasets.list_qualities()
    assert {"NumberOfInstances", "NumberOfClasses", "MajorityClassSize"} <= set(names)


def test_another_user_edits_the_description_but_not_the_target(
    dataset_id: int, as_mallory: None
) -> None:
    assert openml.datasets.edit_dataset(dataset_id, description="curated") == dataset_id
    fetched = openml.datasets.get_dataset(dataset_id, force_refresh_cache=True)
    assert fetched.description == "curated"
    with pytest.raises(OpenMLServerException) as refused:
        openml.datasets.edit_dataset(dataset_id, default_target_attribute="kind")
    assert refused.value.code == 1065


def test_an_edit_without_fields_is_1064(dataset_id: int) -> None:
    with pytest.raises(OpenMLServerException) as empty:
        openml.datasets.edit_dataset(dataset_id)
    assert empty.value.code == 1064


def test_critical_fields_of_a_dataset_with_a_task_are_1066(classification_task: int) -> None:
    task = openml.tasks.get_task(classification_task, download_data=False)
    with pytest.raises(OpenMLServerException) as refused:
        openml.datasets.edit_dataset(task.dataset_id, ignore_attribute=["x2"])
    assert refused.value.code == 1066


def test_topics_are_for_administrators(dataset_id: int, server: Server) -> None:
    functions = openml.datasets.functions
    assert functions._topic_add_dataset(dataset_id, "Geometry") == dataset_id
    with pytest.raises(OpenMLServerException) as twice:
        functions._topic_add_dataset(dataset_id, "Geometry")
    assert twice.value.code == 1083
    admin_key = openml.config.apikey
    openml.config.apikey = server.new_user(f"not-admin-{uuid.uuid4().hex[:8]}")
    try:
        with pytest.raises(OpenMLServerException) as denied:
            functions._topic_delete_dataset(dataset_id, "Geometry")
        assert denied.value.code == 1082
    finally:
        openml.config.apikey = admin_key
    assert functions._topic_delete_dataset(dataset_id, "Geometry") == dataset_id


def test_ontologies_reach_the_client_s_features(dataset_id: int) -> None:
    url = "https://schema.org/QuantitativeValue"
    assert openml.datasets.functions.data_feature_add_ontology(dataset_id, 0, url)
    features = openml.datasets.get_dataset(dataset_id, force_refresh_cache=True).features
    assert features[0].ontologies == url  # the client reads a lone ontology as a string
    assert features[1].ontologies is None
    with pytest.raises(OpenMLServerException) as bad:
        openml.datasets.functions.data_feature_add_ontology(dataset_id, 1, "no url")
    assert bad.value.code == 1106
    assert openml.datasets.functions.data_feature_remove_ontology(dataset_id, 0, url)
    features = openml.datasets.get_dataset(dataset_id, force_refresh_cache=True).features
    assert features[0].ontologies is None


def test_a_uuid_alias_and_attaching_a_task_twice(classification_task: int) -> None:
    alias = uuid.uuid4().hex  # as OpenML's own tutorials name suites; may start with a digit
    suite = openml.study.create_benchmark_suite(
        name="compat alias suite", description="tasks", task_ids=[classification_task],
        alias=alias,
    ).publish()  # fmt: skip
    assert openml.study.get_suite(alias).id == suite.id
    with pytest.raises(OpenMLServerException) as twice:
        openml.study.attach_to_suite(suite.id, [classification_task])
    assert twice.value.code == 1045


def _flow(external_version: str) -> openml.flows.OpenMLFlow:
    return openml.flows.OpenMLFlow(
        name="compat.VersionedFlow",
        description="a flow published twice",
        model=None,
        components={},
        parameters={"depth": "3"},
        parameters_meta_info={"depth": {"description": "how deep", "data_type": "int"}},
        external_version=external_version,
        tags=[],
        language="English",
        dependencies="none",
    )


def test_flow_versions_increase_per_external_version() -> None:
    first = _flow("compat==1.0").publish()
    second = _flow("compat==2.0").publish()
    assert (first.version, second.version) == ("1", "2")
    assert openml.flows.get_flow(second.flow_id).version == "2"
    listed = openml.flows.list_flows(output_format="dataframe")
    assert listed.set_index("id").loc[second.flow_id, "full_name"] == "compat.VersionedFlow(2)"


def _normalised(xml: str) -> str:
    # What openml-python's own test_from_xml_to_xml compares.
    text = xml.replace("  ", "").replace("\t", "").strip().replace("\n\n", "\n")
    return re.sub(r"^$", "", text.replace("&quot;", '"'))


def test_the_flow_document_round_trips_through_the_client() -> None:
    import test_runs
    from openml.extensions.sklearn import SklearnExtension

    flow = SklearnExtension().model_to_flow(test_runs._model()).publish()
    served = _perform_api_call(f"flow/{flow.flow_id}", request_method="get")
    parsed = openml.flows.OpenMLFlow._from_dict(xmltodict.parse(served))
    assert parsed.components, "a pipeline: its components exercise the nested documents"
    assert _normalised(parsed._to_xml()) == _normalised(served)


def test_an_over_long_uri_is_414() -> None:
    with pytest.raises(OpenMLServerError, match="URI too long"):
        openml.datasets.list_datasets(data_id=list(range(1, 2500)), output_format="dataframe")
