"""Fuzzing the model inspectors: whatever the bytes of an ONNX or safetensors upload, the
inspection accepts it or raises InvalidInput naming the file; never another exception
(which the push would answer with a 500)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from safetensors.numpy import save

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.forge.formats import inspect_onnx, read_safetensors_header
from tests.fuzz import FUZZ, IN_PLACE, mutated
from tests.malformed import NOT_UTF8, onnx_model

ONNX_SEEDS = [onnx_model(), onnx_model("Add", "Xzqzqz").replace(b"Add", b"Abs")]
SAFETENSORS_SEEDS = [
    save({"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(2, np.int8)}),
    save({"layer.weight": np.ones(4, np.float16)}, metadata={"format": "pt"}),
]
JSON_PIECES = [b'"', b"{", b"}", b"[", b"]", b",", b":", b"-1", b"1e400", b'"F64"', b"null",
               b'"data_offsets"', b'"__metadata__"', NOT_UTF8]  # fmt: skip


def _inspect_onnx(content: bytes) -> InvalidInput | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.onnx"
        path.write_bytes(content)
        try:
            inspect_onnx(path)
        except InvalidInput as exc:
            return exc
    return None


def _read_header(content: bytes) -> InvalidInput | None:
    try:
        read_safetensors_header(io.BytesIO(content), len(content))
    except InvalidInput as exc:
        return exc
    return None


@FUZZ
@given(st.one_of(mutated(ONNX_SEEDS, (NOT_UTF8, b"\x00")), mutated(ONNX_SEEDS, edits=IN_PLACE)))
def test_fuzz_onnx_inspection_raises_only_invalid_input(content: bytes) -> None:
    error = _inspect_onnx(content)
    assert error is None or (error.extra.get("field") == "file" and error.detail.strip())


@FUZZ
@given(st.one_of(mutated(SAFETENSORS_SEEDS, JSON_PIECES), st.binary(max_size=64)))
def test_fuzz_safetensors_header_raises_only_invalid_input(content: bytes) -> None:
    error = _read_header(content)
    assert error is None or (error.extra.get("field") == "file" and error.detail.strip())
