"""Commit manifests: what a model commit holds, tensor by tensor, chunk by chunk.

A safetensors commit is stored as one blob per tensor chunk (content-addressed, so a tensor that
did not change, or that another repository holds too, is stored once) plus a manifest: the
ordered list of tensors with dtype, shape and chunk hashes. skops and ONNX commits keep their
file as one blob. The manifest itself is a canonical JSON blob; equal content, equal hash.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mlhive.wire.models import UPLOAD_CHUNK_BYTES

CHUNK_BYTES = UPLOAD_CHUNK_BYTES
"""Large tensors are split into chunks of this size, so a huge embedding is not one blob."""

NUMPY_DTYPES: dict[str, str] = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
    "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}  # fmt: skip
FLOAT_DTYPES = frozenset({"F64", "F32", "F16", "BF16"})
ALIGN = 8


@dataclass(frozen=True)
class TensorRecord:
    """One tensor of a commit: its type and the blobs its bytes are split into."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    size: int
    chunks: tuple[str, ...]

    def same_content(self, other: TensorRecord) -> bool:
        """Equal dtype, shape and bytes (chunk hashes are content hashes)."""
        return (self.dtype, self.shape, self.chunks) == (other.dtype, other.shape, other.chunks)


@dataclass(frozen=True)
class FileRecord:
    sha256: str
    size: int


@dataclass
class Manifest:
    """Everything a commit holds, as stored in its manifest blob."""

    format: str
    tensors: list[TensorRecord] = field(default_factory=list)
    files: dict[str, FileRecord] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """Canonical JSON (sorted keys, no spaces): the same manifest, the same bytes."""
        document = {
            "format": self.format,
            "metadata": self.metadata,
            "files": {k: {"sha256": f.sha256, "size": f.size} for k, f in self.files.items()},
            "tensors": [
                {
                    "name": t.name,
                    "dtype": t.dtype,
                    "shape": list(t.shape),
                    "size": t.size,
                    "chunks": list(t.chunks),
                }
                for t in self.tensors
            ],
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        """Parse a manifest written by :meth:`to_json`."""
        data: dict[str, Any] = json.loads(raw)
        return cls(
            format=data["format"],
            metadata=dict(data.get("metadata", {})),
            files={k: FileRecord(v["sha256"], v["size"]) for k, v in data["files"].items()},
            tensors=[
                TensorRecord(
                    t["name"], t["dtype"], tuple(t["shape"]), t["size"], tuple(t["chunks"])
                )
                for t in data["tensors"]
            ],
        )

    @property
    def total_bytes(self) -> int:
        """The bytes of all tensors and files (before deduplication)."""
        return sum(t.size for t in self.tensors) + sum(f.size for f in self.files.values())

    def by_name(self) -> dict[str, TensorRecord]:
        """Tensors by name."""
        return {t.name: t for t in self.tensors}


def safetensors_header(manifest: Manifest) -> bytes:
    """The 8-byte length and JSON header of the safetensors file a commit checks out to.

    Tensors keep the manifest's order; the header is padded with spaces to a multiple of 8 bytes
    (as the reference implementation does, so the data is aligned).
    """
    header: dict[str, Any] = {}
    if manifest.metadata:
        header["__metadata__"] = manifest.metadata
    offset = 0
    for tensor in manifest.tensors:
        header[tensor.name] = {
            "dtype": tensor.dtype,
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + tensor.size],
        }
        offset += tensor.size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % ALIGN)
    return len(text).to_bytes(8, "little") + text


def checkout_size(manifest: Manifest) -> int:
    """The size in bytes of the checked-out safetensors file."""
    return len(safetensors_header(manifest)) + sum(t.size for t in manifest.tensors)


@dataclass(frozen=True)
class TensorDiff:
    """Tensors only in ``b``, only in ``a``, in both but different, and how many are equal."""

    added: list[str]
    removed: list[str]
    changed: list[tuple[TensorRecord, TensorRecord]]
    unchanged: int


def diff_manifests(a: Manifest, b: Manifest) -> TensorDiff:
    """Compare two tensor manifests by name (no tensor data is read)."""
    left, right = a.by_name(), b.by_name()
    changed = [
        (left[name], right[name])
        for name in left
        if name in right and not left[name].same_content(right[name])
    ]
    return TensorDiff(
        added=sorted(set(right) - set(left)),
        removed=sorted(set(left) - set(right)),
        changed=sorted(changed, key=lambda pair: pair[0].name),
        unchanged=sum(1 for n in left if n in right and left[n].same_content(right[n])),
    )


def to_numpy(raw: bytes, dtype: str, shape: tuple[int, ...]) -> npt.NDArray[Any]:
    """A tensor's bytes as a numpy array (bfloat16 widened to float32, exactly).

    Raises:
        ValueError: a dtype numpy cannot represent (the float8 formats).
    """
    if dtype == "BF16":
        widened = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return widened.view(np.float32).reshape(shape)
    if dtype not in NUMPY_DTYPES:
        raise ValueError(f"dtype {dtype} has no numpy equivalent")
    return np.frombuffer(raw, dtype=NUMPY_DTYPES[dtype]).reshape(shape)


def from_numpy(array: npt.NDArray[Any], dtype: str) -> bytes:
    """Encode ``array`` as a safetensors ``dtype`` (floats rounded to nearest, ties to even)."""
    if dtype == "BF16":
        bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32).astype(np.uint64)
        rounded = np.where(np.isnan(array), bits | 0x400000, bits + 0x7FFF + ((bits >> 16) & 1))
        return (rounded >> 16).astype("<u2").tobytes()
    return np.ascontiguousarray(array, dtype=NUMPY_DTYPES[dtype]).tobytes()


def change_stats(before: npt.NDArray[Any], after: npt.NDArray[Any]) -> tuple[float, float]:
    """How much a same-shape tensor changed: L2 norm of the difference, fraction of entries.

    Returns:
        ``(norm, fraction)``; both 0.0 for an empty tensor.
    """
    if before.size == 0:
        return 0.0, 0.0
    if before.dtype == np.bool_:
        differs = before != after
        return math.sqrt(float(differs.sum())), float(differs.mean())
    delta = after.astype(np.float64) - before.astype(np.float64)
    differs = ~((before == after) | (np.isnan(delta) & np.isnan(before.astype(np.float64))))
    finite = np.where(np.isfinite(delta), delta, 0.0)
    return float(np.linalg.norm(finite.ravel())), float(differs.mean())
