"""The real client against the real app in-process: push, pull, log, diff, merge and merge
requests, with the server's worker running in a thread."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from fastapi.testclient import TestClient
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from mlhive import Client
from mlhive.client.models import UnsafeModelError, load_skops_safely
from mlhive.errors import ConflictError, InvalidInputError, JobFailedError, PayloadTooLargeError
from mlhive.server.wiring import Hive
from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.conftest import UserKey

FRAME = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
X, Y = FRAME[["x1", "x2"]], FRAME["label"].astype(str)


class Odd(BaseEstimator):  # type: ignore[misc]
    """A type the allowlist does not know."""


@pytest.fixture
def client(http: TestClient, alice: UserKey, tmp_path: Path) -> Client:
    return Client(api_key=alice.key, http_client=http, cache_dir=tmp_path / "cache", retries=0)


@pytest.fixture
def worker(hive: Hive) -> Iterator[None]:
    hive.worker.start()
    yield
    hive.worker.stop()


def test_push_pull_log_diff_of_tensors(client: Client) -> None:
    client.models.create("net")
    first = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(3, np.int64)}
    second = {**first, "a": first["a"] * 2}
    c1 = client.models.push("alice/net", first, message="one", card={"licence": "MIT"})
    c2 = client.models.push("alice/net", second, message="two")
    assert c1.format == "safetensors" and c1.card.licence == "MIT"
    pulled = client.models.pull("alice/net", c1.id[:8])
    np.testing.assert_array_equal(pulled["a"], first["a"])
    assert [c.message for c in client.models.log("alice/net")] == ["two", "one"]
    diff = client.models.diff("alice/net", c1.id, c2.id)
    assert [c.name for c in diff.changed] == ["a"] and diff.unchanged == 1
    assert client.models.card("alice/net", markdown=True).startswith("---\n")  # type: ignore[union-attr]


def test_push_and_pull_a_fitted_estimator_through_the_allowlist(client: Client) -> None:
    client.models.create("clf")
    model = LogisticRegression().fit(X, Y)
    commit = client.models.push("alice/clf", model)
    assert commit.card.model_type.endswith("LogisticRegression")
    pulled = client.models.pull("alice/clf")
    np.testing.assert_array_equal(pulled.predict(X), model.predict(X))


def test_the_client_refuses_untrusted_skops_data_without_loading_it() -> None:
    with pytest.raises(UnsafeModelError, match="Odd"):
        load_skops_safely(sio.dumps(Odd()))


def test_unsafe_pushes_raise_input_errors(client: Client, tmp_path: Path) -> None:
    client.models.create("x")
    path = tmp_path / "model.pkl"
    path.write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(InvalidInputError, match="pickle"):
        client.models.push("alice/x", path)
    with pytest.raises(TypeError, match="push a scikit-learn"):
        client.models.push("alice/x", object())


def test_merge_waits_for_the_server(client: Client, worker: None) -> None:
    client.models.create("soup")
    a, b = {"w": np.ones(4, np.float32)}, {"w": np.full(4, 3.0, np.float32)}
    client.models.push("alice/soup", a, branch="a")
    client.models.push("alice/soup", b, branch="b")
    merge = client.models.merge("alice/soup", "average", ["a", "b"], timeout=60)
    assert merge.state == "done"
    np.testing.assert_array_equal(
        client.models.pull("alice/soup", merge.commit or "")["w"], [2.0] * 4
    )
    client.models.push("alice/soup", {"w": np.ones(5, np.float32)}, branch="c")
    with pytest.raises(JobFailedError, match="tensor 'w'"):
        client.models.merge("alice/soup", "average", ["a", "c"], timeout=60)


def test_merge_requests_from_the_client(
    http: TestClient,
    client: Client,
    bob: UserKey,
    tmp_path: Path,
    run_jobs: Callable[[], int],
    alice: UserKey,
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task: dict[str, Any] = create_task(http, alice, dataset, "supervised_classification", 1)
    rules = [{"measure": "predictive_accuracy", "min": 0.75}]
    client.models.create("clf", task_ids=[task["id"]], rules=rules)
    client.models.push("alice/clf", LogisticRegression().fit(X, Y))
    as_bob = Client(api_key=bob.key, http_client=http, cache_dir=tmp_path / "b", retries=0)
    as_bob.models.push("alice/clf", DummyClassifier().fit(X, Y), branch="bob/dummy")
    opened = as_bob.models.open_merge_request("alice/clf", "bob/dummy", title="simpler")
    run_jobs()
    request = as_bob.models.wait_evaluated("alice/clf", opened.number, timeout=5)
    assert request.evaluation_state == "done" and not request.mergeable
    assert "below the minimum" in request.violations[0]
    with pytest.raises(ConflictError):
        client.models.accept_merge_request("alice/clf", opened.number)
    note = client.models.comment("alice/clf", opened.number, "accuracy too low")
    assert client.models.merge_request("alice/clf", opened.number).comments[0].id == note.id
    assert [r.number for r in client.models.merge_requests("alice/clf", state="open")] == [1]


def test_a_file_with_more_tensors_than_the_server_takes_is_refused(client: Client) -> None:
    client.models.create("many")
    tensors = {f"t{i:05d}": np.zeros(1, np.float32) for i in range(10_001)}
    with pytest.raises(PayloadTooLargeError, match="10001 tensors, more than the 10000") as caught:
        client.models.push("alice/many", tensors)
    assert caught.value.code == "too_many_tensors"
    assert client.models.get("alice/many").refs == []


@pytest.mark.parametrize(
    ("tensors", "message"),
    [
        ({"lr": 1}, "tensor 'lr' is of type int, not a numpy array.*np.asarray\\(1\\)"),
        ({"w": [0.5, 1.5]}, "tensor 'w' is of type list, not a numpy array"),
        ({"o": np.array([{}, 1], dtype=object)}, "tensor 'o' has dtype object"),
    ],
)
def test_a_dict_of_anything_but_arrays_is_refused_before_upload(
    client: Client, tensors: dict[str, Any], message: str
) -> None:
    client.models.create("net")
    with pytest.raises(TypeError, match=message):
        client.models.push("alice/net", tensors)
    assert client.models.get("alice/net").refs == []


def test_an_unfitted_estimator_is_refused_with_what_to_do(client: Client) -> None:
    client.models.create("clf")
    with pytest.raises(ValueError, match="LogisticRegression is not fitted: call fit"):
        client.models.push("alice/clf", LogisticRegression())
    assert client.models.get("alice/clf").refs == []


def test_a_format_switch_needs_to_be_asked_for(client: Client) -> None:
    client.models.create("net")
    client.models.push("alice/net", {"w": np.zeros(3, np.float32)})
    model = LogisticRegression().fit(X, Y)
    with pytest.raises(ConflictError, match="allow_format_change"):
        client.models.push("alice/net", model)
    switched = client.models.push("alice/net", model, allow_format_change=True)
    assert switched.format == "skops"


def test_repositories_commits_diffs_and_requests_read_in_one_line(client: Client) -> None:
    repo = client.models.create("net", description="A <tiny> net\nsecond line")
    first = client.models.push("alice/net", {"w": np.zeros(3, np.float32)}, message="start")
    second = client.models.push("alice/net", {"w": np.ones(3, np.float32)}, message="ones")
    client.models.branch("alice/net", "alice/try", "main")
    client.models.push("alice/net", {"w": np.full(3, 2, np.float32)}, branch="alice/try")
    request = client.models.open_merge_request("alice/net", "alice/try", title="twos")
    repo = client.models.get("alice/net")
    faces = {
        "repo": repr(repo),
        "commit": repr(second),
        "diff": repr(client.models.diff("alice/net", first.id, second.id)),
        "request": repr(request),
    }
    assert faces["repo"] == "<RepoOut alice/net (public, 2 refs)>"
    assert faces["commit"] == f"<CommitOut alice/net@{second.id[:12]} safetensors by alice: ones>"
    assert faces["diff"].endswith(": 1 changed, 0 added, 0 removed, 0 unchanged>")
    assert faces["request"].startswith("<MergeRequestOut alice/net!1 'twos' [")
    assert all(len(face) < 120 and "\n" not in face for face in faces.values())
    page = repo._repr_html_()
    assert "<table>" in page and "A &lt;tiny&gt; net" in page and "<tiny>" not in page
    assert "second line" not in page  # the first line only
