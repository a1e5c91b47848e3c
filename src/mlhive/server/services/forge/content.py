"""Model content in the blob store: ingest an inspected upload, record commits, read back.

Tensor chunks are hashed in memory first and only written when the store does not hold them
yet, so re-committing 90 unchanged tensors costs their hashing, not their writing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy.typing as npt
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.forge import ModelCommit, ModelRepo
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.forge import formats
from mlhive.server.domain.forge.tensors import (
    CHUNK_BYTES,
    FileRecord,
    Manifest,
    TensorRecord,
    from_numpy,
    safetensors_header,
    to_numpy,
)
from mlhive.server.services.blobs import remember_blob
from mlhive.server.storage import BlobInfo, BlobStore
from mlhive.wire.models import FeatureSpec, ModelFormat

FILE_NAMES: dict[str, str] = {
    "safetensors": "model.safetensors",
    "skops": "model.skops",
    "onnx": "model.onnx",
}
EXPORT_NAME = "model.export.onnx"


@dataclass
class Ingested:
    """An upload, stored: its manifest and what the file says about the model."""

    manifest: Manifest
    facts: dict[str, Any] = field(default_factory=dict)


def put_bytes(session: Session, store: BlobStore, data: bytes) -> str:
    """Store bytes unless already present; record the blob row. Returns the sha256."""
    sha = hashlib.sha256(data).hexdigest()
    if not store.exists(sha):
        store.put(data)
    remember_blob(session, BlobInfo(sha, len(data)))
    return sha


def _put_file(session: Session, store: BlobStore, path: Path) -> FileRecord:
    info = store.put_file(path)
    remember_blob(session, info)
    return FileRecord(info.sha256, info.size)


def ingest_safetensors(
    session: Session, store: BlobStore, path: Path, chunk_bytes: int = CHUNK_BYTES
) -> Ingested:
    """Store a safetensors file tensor by tensor (chunked), returning its manifest."""
    size = path.stat().st_size
    records = []
    with path.open("rb") as handle:
        header = formats.read_safetensors_header(handle, size)
        for tensor in header.tensors:
            chunks = tuple(
                put_bytes(session, store, piece)
                for piece in formats.iter_chunks(handle, tensor, chunk_bytes)
            )
            records.append(
                TensorRecord(tensor.name, tensor.dtype, tensor.shape, tensor.size, chunks)
            )
    manifest = Manifest(format="safetensors", tensors=records, metadata=header.metadata)
    return Ingested(manifest, {"library": "safetensors"})


def ingest(session: Session, store: BlobStore, fmt: ModelFormat, path: Path) -> Ingested:
    """Inspect an upload in ``fmt`` (refusing unsafe content) and store it.

    Raises:
        InvalidInput: the file fails inspection; nothing is recorded in that case (blobs
            already written are unreferenced and collectable).
    """
    if fmt == "safetensors":
        return ingest_safetensors(session, store, path)
    if fmt == "skops":
        from mlhive.server.domain.forge.sklearn import card_facts

        formats.check_skops(path)
        facts = card_facts(formats.load_skops(path))
        return Ingested(
            Manifest("skops", files={FILE_NAMES["skops"]: _put_file(session, store, path)}), facts
        )
    info = formats.inspect_onnx(path)
    facts = {
        "library": "onnx",
        "library_version": f"ir{info.ir_version}",
        "model_type": "onnx:" + ",".join(f"{d}={v}" for d, v in sorted(info.opsets.items())),
        "input_schema": [FeatureSpec(name=n) for n in info.inputs],
    }
    return Ingested(
        Manifest("onnx", files={FILE_NAMES["onnx"]: _put_file(session, store, path)}), facts
    )


def store_manifest(session: Session, store: BlobStore, manifest: Manifest) -> str:
    """Store a manifest blob; returns its sha256."""
    return put_bytes(session, store, manifest.to_json())


def record_commit(
    session: Session,
    store: BlobStore,
    repo: ModelRepo,
    actor: Actor,
    manifest: Manifest,
    *,
    parents: list[str],
    card: dict[str, Any],
    message: str,
) -> ModelCommit:
    """Write a commit row. Its id hashes parents, content, card, message, author and time."""
    manifest_sha = store_manifest(session, store, manifest)
    created = utcnow()
    identity = {
        "parents": parents,
        "manifest": manifest_sha,
        "card": card,
        "message": message,
        "author": actor.name,
        "time": created.isoformat(),
    }
    sha = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    commit = ModelCommit(
        repo_id=repo.id,
        sha=sha,
        parents=parents,
        author_id=actor.id,
        message=message,
        created_at=created,
        format=manifest.format,
        manifest_sha256=manifest_sha,
        card=card,
        total_bytes=manifest.total_bytes,
        n_tensors=len(manifest.tensors),
    )
    session.add(commit)
    session.flush()
    return commit


def read_blob(store: BlobStore, sha256: str) -> bytes:
    """The whole content of a (small) blob."""
    with store.open(sha256) as handle:
        return handle.read()


def manifest_of(store: BlobStore, commit: ModelCommit) -> Manifest:
    """The manifest of a commit."""
    return Manifest.from_json(read_blob(store, commit.manifest_sha256))


def tensor_bytes(store: BlobStore, record: TensorRecord) -> bytes:
    """One tensor's bytes, its chunks joined."""
    return b"".join(read_blob(store, sha) for sha in record.chunks)


def load_tensor(store: BlobStore, record: TensorRecord) -> npt.NDArray[Any]:
    """One tensor as a numpy array.

    Raises:
        InvalidInput: a dtype numpy cannot represent (float8).
    """
    try:
        return to_numpy(tensor_bytes(store, record), record.dtype, record.shape)
    except ValueError as exc:
        raise InvalidInput(f"tensor {record.name!r}: {exc}") from None


def store_tensor(
    session: Session, store: BlobStore, name: str, dtype: str, array: npt.NDArray[Any]
) -> TensorRecord:
    """Store a computed tensor (e.g. a merge result) in ``dtype``, chunked."""
    raw = from_numpy(array, dtype)
    pieces = [raw[i : i + CHUNK_BYTES] for i in range(0, len(raw), CHUNK_BYTES)] or [b""]
    chunks = tuple(put_bytes(session, store, piece) for piece in pieces)
    return TensorRecord(name, dtype, tuple(array.shape), len(raw), chunks)


def checkout_chunks(store: BlobStore, manifest: Manifest) -> Iterator[bytes]:
    """The checked-out safetensors file, piece by piece (header first)."""
    yield safetensors_header(manifest)
    for tensor in manifest.tensors:
        for sha in tensor.chunks:
            with store.open(sha) as handle:
                while piece := handle.read(1 << 20):
                    yield piece


def load_estimator(store: BlobStore, commit: ModelCommit) -> Any:
    """A scikit-learn commit's estimator, loaded through the server's skops allowlist.

    Raises:
        InvalidInput: the commit is not a scikit-learn model.
    """
    if commit.format != "skops":
        raise InvalidInput(f"commit {commit.sha[:12]} is a {commit.format} model, not scikit-learn")
    manifest = manifest_of(store, commit)
    return formats.load_skops(read_blob(store, manifest.files[FILE_NAMES["skops"]].sha256))


def files_of(manifest: Manifest, commit: ModelCommit) -> dict[str, int]:
    """Downloadable files of a commit and their sizes."""
    from mlhive.server.domain.forge.tensors import checkout_size

    files = {name: record.size for name, record in manifest.files.items()}
    if manifest.format == "safetensors":
        files[FILE_NAMES["safetensors"]] = checkout_size(manifest)
    if commit.onnx_sha256 and commit.onnx_state in ("ok", "unchecked"):
        files[EXPORT_NAME] = int((commit.onnx_report or {}).get("size", 0))
    return files
