"""The real client configures model checks, waits for a commit's results (the server's worker
running in a thread) and is refused a promotion the checks do not allow."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from mlhive import Client
from mlhive.errors import ConflictError, InvalidInputError, PermissionDeniedError
from mlhive.server.wiring import Hive
from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.client.conftest import MakeClient
from tests.conftest import UserKey

FRAME = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
X, Y = FRAME[["x1", "x2"]], FRAME["label"].astype(str)


@pytest.fixture
def task(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> dict[str, Any]:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    return create_task(http, alice, dataset, "supervised_classification", 1)


@pytest.fixture
def worker(hive: Hive) -> Iterator[None]:
    hive.worker.start()
    yield
    hive.worker.stop()


def test_set_checks_wait_for_results_and_promote_only_what_passed(
    client: Client, make_client: MakeClient, bob: UserKey, task: dict[str, Any], worker: None
) -> None:
    client.models.create("clf", task_ids=[task["id"]])
    rule = {"name": "x2 alone", "column": "x2", "change": "scale", "value": 0.0, "expect": "same"}
    configured = client.models.set_checks("alice/clf", degenerate=True, rules=[rule])
    assert configured.checks == ["degenerate", "rule x2 alone"] and configured.revision == 1
    assert client.models.check_config("alice/clf").config.rules[0].column == "x2"

    constant = client.models.push("alice/clf", DummyClassifier().fit(X, Y), message="constant")
    checked = client.models.wait_checked("alice/clf", constant.id, timeout=120)
    assert checked.state == "done" and checked.passed is False
    failed = {r.name: r for r in checked.results if not r.passed}
    assert list(failed) == ["degenerate"] and "constant prediction" in failed["degenerate"].detail
    with pytest.raises(ConflictError, match="degenerate: the model predicts"):
        client.models.promote("alice/clf", constant.id)

    on_x1 = LogisticRegression().fit(X[["x1"]].assign(x2=0.0), Y)  # x2 never matters
    good = client.models.push("alice/clf", on_x1, message="good")
    assert client.models.wait_checked("alice/clf", good.id, timeout=120).passed is True
    event = client.models.promote("alice/clf", good.id)
    assert [c.name for c in event.checks if c.passed] == ["degenerate", "rule x2 alone"]

    with pytest.raises(InvalidInputError, match="latency_ms"):
        client.models.set_checks("alice/clf", latency_ms=0)
    with pytest.raises(PermissionDeniedError):
        make_client(bob).models.set_checks("alice/clf", degenerate=False)
    assert make_client(bob).models.checks("alice/clf", good.id).passed is True
