"""Unsafe uploads are refused with a clear 4xx, inspected and never loaded: the marker file a
payload would create never appears, and nothing is committed."""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import skops.io as sio
from fastapi.testclient import TestClient
from onnx import TensorProto, helper
from sklearn.base import BaseEstimator

from tests.api.forge import Push, make_repo, tensors_bytes
from tests.conftest import UserKey


class Touch:
    """A pickle payload: unpickling it creates ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


class Trap(BaseEstimator):  # type: ignore[misc]
    """An estimator whose loading (``__setstate__``) creates the marker file it carries."""

    def __init__(self, marker: str = "") -> None:
        self.marker = marker

    def __setstate__(self, state: dict[str, Any]) -> None:
        Path(state["marker"]).touch()
        self.__dict__.update(state)


def _torch_like_zip(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", payload)
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


def _onnx_with_external(location: str) -> bytes:
    weight = helper.make_tensor("W", TensorProto.FLOAT, [2], [0.0, 0.0])
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "8")):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph(
        [helper.make_node("Add", ["X", "W"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])],
        initializer=[weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


@pytest.fixture
def repo(http: TestClient, alice: UserKey) -> str:
    make_repo(http, alice, "safe")
    return "alice/safe"


def _no_commits(http: TestClient, repo: str) -> None:
    assert http.get(f"/api/models/{repo}").json()["refs"] == []


def test_the_pickle_payload_is_real(tmp_path: Path) -> None:
    marker = tmp_path / "control"
    pickle.loads(pickle.dumps(Touch(marker)))  # proves the payload works
    assert marker.exists()


@pytest.mark.parametrize(
    ("filename", "wrap"),
    [
        ("model.pkl", False),
        ("model.safetensors", False),  # a lying name does not help
        ("model.joblib", False),
        ("weights.bin", False),
        ("model.pt", True),
        ("model.skops", True),  # a torch-style zip claiming to be skops
    ],
)
def test_pickles_are_refused_unloaded(
    http: TestClient,
    alice: UserKey,
    push: Push,
    repo: str,
    tmp_path: Path,
    filename: str,
    wrap: bool,
) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Touch(marker))
    content = _torch_like_zip(payload) if wrap else payload
    response = push(alice, repo, content, filename=filename)
    assert response.status_code == 415, response.text
    assert "pickle" in response.json()["detail"]
    assert not marker.exists()
    _no_commits(http, repo)


def test_compressed_joblib_is_refused(
    http: TestClient, alice: UserKey, push: Push, repo: str, tmp_path: Path
) -> None:
    import joblib

    marker = tmp_path / "pwned"
    target = tmp_path / "x.gz"
    joblib.dump(Touch(marker), target, compress=("gzip", 3))
    response = push(alice, repo, target.read_bytes(), filename="model.gz")
    assert response.status_code == 415
    assert not marker.exists()


def test_skops_with_an_untrusted_type_is_refused_unloaded(
    http: TestClient, alice: UserKey, push: Push, repo: str, tmp_path: Path
) -> None:
    control = tmp_path / "control"
    sio.loads(sio.dumps(Trap(str(control))), trusted=[f"{__name__}.Trap"])
    assert control.exists(), "loading the file really would run the payload"
    marker = tmp_path / "pwned"
    response = push(alice, repo, sio.dumps(Trap(str(marker))), filename="model.skops")
    assert response.status_code == 415, response.text
    assert f"{__name__}.Trap" in response.json()["detail"]
    assert not marker.exists()
    _no_commits(http, repo)


def test_skops_naming_a_dangerous_function_is_refused(
    alice: UserKey, push: Push, repo: str
) -> None:
    import os

    from sklearn.preprocessing import FunctionTransformer

    data = sio.dumps(FunctionTransformer(func=os.system))
    response = push(alice, repo, data, filename="model.skops")
    assert response.status_code == 415
    assert "system" in response.json()["detail"]


@pytest.mark.parametrize("location", ["../../outside.bin", "/etc/passwd", "C:\\secret.bin"])
def test_onnx_external_data_outside_the_upload_is_refused(
    http: TestClient, alice: UserKey, push: Push, repo: str, location: str
) -> None:
    response = push(alice, repo, _onnx_with_external(location), filename="model.onnx")
    assert response.status_code == 415, response.text
    assert "outside the upload" in response.json()["detail"]
    _no_commits(http, repo)


def test_onnx_with_custom_operators_is_refused(alice: UserKey, push: Push, repo: str) -> None:
    graph = helper.make_graph(
        [helper.make_node("Evil", ["X"], ["Y"], domain="com.example")],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)],
    )
    response = push(alice, repo, model.SerializeToString(), filename="model.onnx")
    assert response.status_code == 415
    assert "com.example" in response.json()["detail"]


def test_a_standard_onnx_model_is_accepted(
    http: TestClient, alice: UserKey, push: Push, repo: str
) -> None:
    weight = helper.make_tensor("W", TensorProto.FLOAT, [2], [1.0, 2.0])
    graph = helper.make_graph(
        [helper.make_node("Add", ["X", "W"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])],
        initializer=[weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    response = push(alice, repo, model.SerializeToString(), filename="model.onnx")
    assert response.status_code == 201, response.text
    assert response.json()["format"] == "onnx"
    pulled = http.get(f"/api/models/{repo}/files/model.onnx")
    assert onnx.load_from_string(pulled.content).graph.node[0].op_type == "Add"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'\x10\x00\x00\x00\x00\x00\x00\x00{"a": 1}        ', "data_offsets"),
        (b"hello world, not a model", "not a safetensors, skops or ONNX"),
    ],
)
def test_malformed_files_get_a_clear_422(
    alice: UserKey, push: Push, repo: str, content: bytes, message: str
) -> None:
    response = push(alice, repo, content, filename="model.bin.txt")
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]


def test_safetensors_with_overlapping_offsets_is_refused(
    alice: UserKey, push: Push, repo: str
) -> None:
    good = bytearray(tensors_bytes({"a": np.zeros(2, np.float32), "b": np.ones(2, np.float32)}))
    text = bytes(good).replace(b"[8,16]", b"[0, 8]")
    response = push(alice, repo, text)
    assert response.status_code == 422
    assert "overlaps" in response.json()["detail"]
