"""``<entity>/tag`` and ``<entity>/untag`` on the OpenML face: the same answers and OpenML
error codes for datasets, tasks, flows and runs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.experiments import CLASSIFICATION_CSV, create_task, one_of_each
from tests.conftest import UserKey

API = "/api/v1/xml"
NS = {"oml": "http://openml.org/openml"}
ENTITIES = {"data": "dataset", "task": "task", "flow": "flow", "run": "run"}


def _post(http: TestClient, call: str, who: UserKey | None, **fields: object) -> ET.Element:
    data = {**fields, **({"api_key": who.key} if who else {})}
    return ET.fromstring(http.post(f"{API}/{call}", data=data).text)


def _code(element: ET.Element) -> int:
    return int(element.findtext("oml:code", namespaces=NS) or 0)


@pytest.mark.parametrize("entity", ENTITIES)
def test_tag_untag_and_their_error_codes(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int], entity: str
) -> None:
    ident = one_of_each(http, alice, run_jobs)[ENTITIES[entity]]
    key = f"{entity}_id"
    tagged = _post(http, f"{entity}/tag", bob, **{key: ident, "tag": "by-bob"})
    assert tagged.tag == f"{{{NS['oml']}}}{entity}_tag"
    assert tagged.findtext("oml:id", namespaces=NS) == str(ident)
    assert [t.text for t in tagged.findall("oml:tag", NS)] == ["by-bob"]
    _post(http, f"{entity}/tag", alice, **{key: ident, "tag": "by-alice"})

    assert _code(_post(http, f"{entity}/tag", alice, **{key: ident, "tag": "no spaces"})) == 477
    assert _code(_post(http, f"{entity}/tag", alice, **{key: ident, "tag": "x" * 65})) == 477
    assert _code(_post(http, f"{entity}/tag", alice, **{key: 999, "tag": "x"})) == 472
    assert _code(_post(http, f"{entity}/tag", None, **{key: ident, "tag": "x"})) == 102
    assert _code(_post(http, f"{entity}/untag", alice, **{key: ident, "tag": "never"})) == 475
    assert _code(_post(http, f"{entity}/untag", bob, **{key: ident, "tag": "by-alice"})) == 476
    missing = _post(http, f"{entity}/tag", alice, tag="x")
    assert _code(missing) == 100 and key in (
        missing.findtext("oml:additional_information", namespaces=NS) or ""
    )

    untagged = _post(http, f"{entity}/untag", bob, **{key: ident, "tag": "by-bob"})
    assert untagged.tag == f"{{{NS['oml']}}}{entity}_untag"
    assert [t.text for t in untagged.findall("oml:tag", NS)] == ["by-alice"]


def test_others_private_data_and_its_tasks_cannot_be_tagged(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    metadata = {"name": "hidden", "default_target_attribute": "label", "visibility": "private"}
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", CLASSIFICATION_CSV.encode())},
        data={"metadata": json.dumps(metadata)},
        headers=alice.headers,
    )
    run_jobs()
    dataset = created.json()["id"]
    task = create_task(http, alice, dataset, "supervised_classification", 1)["id"]
    assert _code(_post(http, "data/tag", bob, data_id=dataset, tag="x")) == 112
    assert _code(_post(http, "task/tag", bob, task_id=task, tag="x")) == 472
    assert _post(http, "data/tag", alice, data_id=dataset, tag="x").tag.endswith("data_tag")
