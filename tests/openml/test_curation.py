"""OpenML's remaining data calls and rules in-process: quality names, topics, feature
ontologies, ``data/edit``'s rules, activation, study members, aliases, flow versions and
the URI limit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from mlhive.server.domain.datasets.qualities import QUALITY_NAMES
from tests.api.experiments import CLASSIFICATION_CSV, create_task, one_of_each, publish
from tests.conftest import UserKey

API = "/api/v1/xml"
NS = {"oml": "http://openml.org/openml"}
EDIT = (
    '<oml:data_edit_parameters xmlns:oml="http://openml.org/openml">{}</oml:data_edit_parameters>'
)


def _post(http: TestClient, call: str, who: UserKey | None, **fields: object) -> ET.Element:
    data = {**fields, **({"api_key": who.key} if who else {})}
    return ET.fromstring(http.post(f"{API}/{call}", data=data).text)


def _code(element: ET.Element) -> int:
    return int(element.findtext("oml:code", namespaces=NS) or 0)


def _texts(element: ET.Element, path: str) -> list[str]:
    return [e.text or "" for e in element.findall(path, NS)]


def test_quality_names_are_listed_before_any_dataset_exists(http: TestClient) -> None:
    response = http.get(f"{API}/data/qualities/list")
    assert response.status_code == 200
    names = _texts(ET.fromstring(response.text), "oml:quality")
    assert set(names) == set(QUALITY_NAMES) and "NumberOfInstances" in names
    assert names == sorted(names)


def test_topics_are_for_admins_with_openml_codes(
    http: TestClient, alice: UserKey, admin: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    added = _post(http, "data/topicadd", admin, data_id=dataset_id, topic="Medicine")
    assert added.tag == f"{{{NS['oml']}}}data_topic"
    assert added.findtext("oml:id", namespaces=NS) == str(dataset_id)
    _post(http, "data/topicadd", admin, data_id=dataset_id, topic="Biology")
    assert http.get(f"/api/datasets/{dataset_id}").json()["topics"] == ["Biology", "Medicine"]

    assert _code(_post(http, "data/topicadd", alice, data_id=dataset_id, topic="Mine")) == 1082
    assert _code(_post(http, "data/topicadd", admin, data_id=dataset_id, topic="Medicine")) == 1083
    assert _code(_post(http, "data/topicadd", admin, data_id=dataset_id)) == 1080
    assert _code(_post(http, "data/topicadd", admin, data_id=99999, topic="x")) == 1081
    assert _code(_post(http, "data/topicadd", None, data_id=dataset_id, topic="x")) == 102
    assert _code(_post(http, "data/topicdelete", alice, data_id=dataset_id, topic="Biology")) == (
        1082
    )
    assert _code(_post(http, "data/topicdelete", admin, data_id=dataset_id, topic="Art")) == 1085

    _post(http, "data/topicdelete", admin, data_id=dataset_id, topic="Biology")
    assert http.get(f"/api/datasets/{dataset_id}").json()["topics"] == ["Medicine"]


def test_ontologies_show_in_the_features_and_only_their_adder_removes_them(
    http: TestClient, alice: UserKey, bob: UserKey, admin: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    person, place = "https://schema.org/Person", "https://schema.org/Place"
    added = _post(
        http, "data/feature/ontology/add", bob, data_id=dataset_id, index=0, ontology=person
    )
    assert added.tag == f"{{{NS['oml']}}}feature_description_add"
    assert _texts(added, "oml:ontology") == [person]
    _post(http, "data/feature/ontology/add", alice, data_id=dataset_id, index=0, ontology=place)

    features = ET.fromstring(http.get(f"{API}/data/features/{dataset_id}").text)
    first, second = features.findall("oml:feature", NS)[:2]
    assert _texts(first, "oml:ontology") == [person, place]
    assert _texts(second, "oml:ontology") == []

    def add(**fields: object) -> int:
        return _code(_post(http, "data/feature/ontology/add", alice, data_id=dataset_id, **fields))

    assert add(index=0, ontology=person) == 1101
    assert add(index=0, ontology="not a url") == 1106
    assert add(index=0, ontology="https://x.org/" + "a" * 250) == 1105
    assert add(index=0) == 1100
    assert add(index=3, ontology=person) == 1100  # the data has columns 0 to 2

    def remove(who: UserKey, url: str) -> ET.Element:
        return _post(
            http, "data/feature/ontology/remove", who, data_id=dataset_id, index=0, ontology=url
        )

    assert _code(remove(alice, person)) == 1104  # bob attached it
    assert _code(remove(alice, "https://schema.org/Thing")) == 1103
    assert _texts(remove(bob, person), "oml:ontology") == [place]
    assert _texts(remove(admin, place), "oml:ontology") == []
    features = ET.fromstring(http.get(f"{API}/data/features/{dataset_id}").text)
    assert features.findall("oml:feature/oml:ontology", NS) == []


def test_anyone_signed_in_edits_descriptive_fields_and_the_history_names_them(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    edited = _post(
        http,
        "data/edit",
        bob,
        data_id=dataset_id,
        edit_parameters=EDIT.format("<oml:description>Better words</oml:description>"),
    )
    assert edited.findtext("oml:id", namespaces=NS) == str(dataset_id)
    description = ET.fromstring(http.get(f"{API}/data/{dataset_id}").text)
    assert description.findtext("oml:description", namespaces=NS) == "Better words"
    history = http.get(f"/api/datasets/{dataset_id}/history").json()
    edit = next(entry for entry in history if entry["kind"] == "edit")
    assert edit["user"] == "bob" and edit["after"] == {"description": "Better words"}

    target = EDIT.format("<oml:default_target_attribute>x1</oml:default_target_attribute>")
    refused = _post(http, "data/edit", bob, data_id=dataset_id, edit_parameters=target)
    assert _code(refused) == 1065
    assert _code(_post(http, "data/edit", None, data_id=dataset_id, edit_parameters=target)) == 102
    assert _code(
        _post(http, "data/edit", bob, data_id=dataset_id, edit_parameters=EDIT.format(""))
    ) == (1064)


def test_critical_fields_of_a_dataset_with_tasks_cannot_be_edited(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    ignore = EDIT.format("<oml:ignore_attribute>x2</oml:ignore_attribute>")
    assert _post(http, "data/edit", alice, data_id=dataset_id, edit_parameters=ignore).tag.endswith(
        "data_edit"
    )
    run_jobs()  # the edit re-processes the dataset; tasks need it processed
    create_task(http, alice, dataset_id, "supervised_classification", 1)
    target = EDIT.format("<oml:default_target_attribute>x1</oml:default_target_attribute>")
    refused = _post(http, "data/edit", alice, data_id=dataset_id, edit_parameters=target)
    assert _code(refused) == 1066
    assert "tasks use the dataset" in (
        refused.findtext("oml:additional_information", namespaces=NS) or ""
    )
    assert http.get(f"/api/datasets/{dataset_id}").json()["default_target_attribute"] == "label"
    descriptive = EDIT.format("<oml:citation>Someone, 2026</oml:citation>")
    assert _post(
        http, "data/edit", alice, data_id=dataset_id, edit_parameters=descriptive
    ).tag.endswith("data_edit")


def test_a_dataset_is_activated_only_once_processed(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", CLASSIFICATION_CSV.encode())},
        data={"metadata": '{"name": "unprocessed", "default_target_attribute": "label"}'},
        headers=alice.headers,
    )
    dataset_id = created.json()["id"]
    early = _post(http, "data/status/update", alice, data_id=dataset_id, status="active")
    assert _code(early) == 694
    assert "processed" in (early.findtext("oml:additional_information", namespaces=NS) or "")
    run_jobs()
    done = _post(http, "data/status/update", alice, data_id=dataset_id, status="active")
    assert done.findtext("oml:status", namespaces=NS) == "active"


def test_attaching_members_twice_is_openml_error_1045(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    ids = one_of_each(http, alice, run_jobs)
    suite = http.post(
        "/api/suites", json={"name": "s", "task_ids": [ids["task"]]}, headers=alice.headers
    ).json()
    again = _post(http, f"study/{suite['id']}/attach", alice, ids=str(ids["task"]))
    assert _code(again) == 1045
    assert f"tasks {ids['task']} are in suite" in (
        again.findtext("oml:additional_information", namespaces=NS) or ""
    )
    study = http.post("/api/studies", json={"name": "r"}, headers=alice.headers).json()
    first = _post(http, f"study/{study['id']}/attach", alice, ids=str(ids["run"]))
    assert first.findtext("oml:linked_entities", namespaces=NS) == "1"
    assert _code(_post(http, f"study/{study['id']}/attach", alice, ids=str(ids["run"]))) == 1045


@pytest.mark.parametrize(
    ("alias", "accepted"),
    [
        ("5f0c3b0e9d8a4c7e8b1a2d3c4e5f6a7b", True),
        ("v1.2_x-y", True),
        ("1234", False),
        ("..", False),
    ],
)
def test_aliases_accept_what_openml_accepts(
    http: TestClient, alice: UserKey, alias: str, accepted: bool
) -> None:
    created = http.post("/api/suites", json={"name": "s", "alias": alias}, headers=alice.headers)
    assert (created.status_code == 201) is accepted, created.text
    if accepted:
        found = ET.fromstring(http.get(f"{API}/study/{alias}").text)
        assert found.findtext("oml:alias", namespaces=NS) == alias


def test_flow_versions_count_the_external_versions_of_a_name(
    http: TestClient, alice: UserKey
) -> None:
    def publish_flow(external_version: str) -> int:
        flow = (
            '<oml:flow xmlns:oml="http://openml.org/openml"><oml:name>my.Flow</oml:name>'
            f"<oml:external_version>{external_version}</oml:external_version>"
            "<oml:description>d</oml:description></oml:flow>"
        )
        answer = http.post(
            f"{API}/flow", data={"api_key": alice.key}, files={"description": ("d.xml", flow)}
        )
        return int(ET.fromstring(answer.text).findtext("oml:id", namespaces=NS) or 0)

    first, second = publish_flow("1.0"), publish_flow("2.0")
    assert publish_flow("1.0") == first  # the same identity is the same flow
    versions = {
        flow_id: ET.fromstring(http.get(f"{API}/flow/{flow_id}").text).findtext(
            "oml:version", namespaces=NS
        )
        for flow_id in (first, second)
    }
    assert versions == {first: "1", second: "2"}
    listing = ET.fromstring(http.get(f"{API}/flow/list").text)
    names = {e.findtext("oml:id", namespaces=NS): e for e in listing.findall("oml:flow", NS)}
    assert names[str(second)].findtext("oml:full_name", namespaces=NS) == "my.Flow(2)"


def test_flow_documents_are_laid_out_as_openml_python_writes_them(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    flow_id = one_of_each(http, alice, run_jobs)["flow"]
    text = http.get(f"{API}/flow/{flow_id}").text
    lines = text.split("\n")
    assert lines[0] == '<oml:flow xmlns:oml="http://openml.org/openml">'
    assert lines[1].startswith("\t<oml:id>") and lines[-1] == "</oml:flow>"
    assert "/>" not in text  # empty elements are written out, as xmltodict writes them


def test_an_over_long_uri_gets_414(http: TestClient) -> None:
    ids = ",".join(str(i) for i in range(1, 2000))
    response = http.get(f"{API}/data/list/data_id/{ids}")
    assert response.status_code == 414
    error = ET.fromstring(response.text)
    assert "limit and offset" in (error.findtext("oml:additional_information", namespaces=NS) or "")
    assert http.get(f"{API}/data/list/data_id/{ids[:2000]}").status_code != 414


def test_a_dataset_with_topics_and_ontologies_can_still_be_deleted(
    http: TestClient, alice: UserKey, admin: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    _post(http, "data/topicadd", admin, data_id=dataset_id, topic="Medicine")
    url = "https://schema.org/Person"
    _post(http, "data/feature/ontology/add", alice, data_id=dataset_id, index=1, ontology=url)
    response = http.delete(f"{API}/data/{dataset_id}", params={"api_key": alice.key})
    assert response.status_code == 200, response.text
    assert http.get(f"/api/datasets/{dataset_id}").status_code == 404
