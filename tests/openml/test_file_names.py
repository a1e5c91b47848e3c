"""The files of the OpenML face are served under the names their descriptions give, and a
wrong name is refused naming the right one (it was once served whatever the name)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.conftest import UserKey

OML = "{http://openml.org/openml}"


@pytest.mark.parametrize("wrong", ["other.arff", "..%5csecret", "%00"])
def test_a_dataset_or_splits_file_under_a_wrong_name_is_refused_naming_the_right_one(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int], wrong: str
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label", name="named")
    task = create_task(http, alice, dataset, "supervised_classification", 1)["id"]
    right = {
        f"/data/v1/download/{dataset}/": "named.arff",
        f"/data/v1/splits/{task}/": f"Task_{task}_splits.arff",
    }
    for prefix, name in right.items():
        assert http.get(prefix + name).status_code == 200
        refused = http.get(prefix + wrong)
        assert refused.status_code == 412, refused.text
        error = ET.fromstring(refused.content)
        assert error.findtext(f"{OML}code") == "100"
        assert name in (error.findtext(f"{OML}additional_information") or "")
