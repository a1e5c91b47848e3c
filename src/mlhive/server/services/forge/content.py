"""Model content in the blob store: ingest an inspected upload, record commits, read back.

Tensor chunks are hashed in memory first and only written when the store does not hold them
yet, so re-committing 90 unchanged tensors costs their hashing, not their writing.

:func:`ingest` needs no database session: a push parses, hashes and writes every blob (the
slow, fsyncing part) before its write transaction opens, and that transaction then records
the blob rows in bulk next to the commit (:func:`insert_commit`).
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
from mlhive.server.services.blobs import Writes, put_missing, remember_blob
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
    """An upload whose content (manifest included) is in the blob store, not yet recorded.

    Attributes:
        manifest: the commit's content, tensor by tensor or file by file.
        manifest_sha: the stored manifest blob.
        blobs: every blob the commit points at (chunks or file, and the manifest), once each.
        facts: what the file says about the model (library, schemas …).
    """

    manifest: Manifest
    manifest_sha: str
    blobs: list[BlobInfo]
    facts: dict[str, Any] = field(default_factory=dict)


def put_bytes(session: Session, store: BlobStore, data: bytes) -> str:
    """Store bytes unless already present; record the blob row. Returns the sha256."""
    info = _put_new(store, data)
    remember_blob(session, info)
    return info.sha256


def _put_new(store: BlobStore, data: bytes) -> BlobInfo:
    """Store bytes unless already present; no row. Their info."""
    sha = hashlib.sha256(data).hexdigest()
    put_missing(store, sha, data)
    return BlobInfo(sha, len(data))


def stored(
    store: BlobStore, manifest: Manifest, blobs: dict[str, BlobInfo], facts: dict[str, Any]
) -> Ingested:
    """Store the manifest blob last: it names only content that is stored already."""
    info = _put_new(store, manifest.to_json())
    return Ingested(manifest, info.sha256, [*blobs.values(), info], facts)


def ingest_safetensors(
    store: BlobStore,
    path: Path,
    *,
    max_tensors: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Ingested:
    """Store a safetensors file tensor by tensor (chunked) and its manifest.

    Raises:
        PayloadTooLarge: more than ``max_tensors`` tensors; refused before anything is stored.
        InvalidInput: a malformed file.
    """
    size = path.stat().st_size
    records, blobs = [], {}
    with path.open("rb") as handle, Writes(store) as writes:
        header = formats.read_safetensors_header(handle, size, max_tensors)
        for tensor in header.tensors:
            chunks = []
            for piece in formats.iter_chunks(handle, tensor, chunk_bytes):
                sha = hashlib.sha256(piece).hexdigest()
                if sha not in blobs:  # a file may repeat content (zeros, tied weights)
                    blobs[sha] = BlobInfo(sha, len(piece))
                    writes.put(sha, piece)
                chunks.append(sha)
            records.append(
                TensorRecord(tensor.name, tensor.dtype, tensor.shape, tensor.size, tuple(chunks))
            )
    manifest = Manifest(format="safetensors", tensors=records, metadata=header.metadata)
    return stored(store, manifest, blobs, {"library": "safetensors"})


def _ingest_file(store: BlobStore, fmt: str, path: Path, facts: dict[str, Any]) -> Ingested:
    info = store.put_file(path)
    manifest = Manifest(fmt, files={FILE_NAMES[fmt]: FileRecord(info.sha256, info.size)})
    return stored(store, manifest, {info.sha256: info}, facts)


def ingest(
    store: BlobStore,
    fmt: ModelFormat,
    path: Path,
    *,
    max_tensors: int | None = None,
    made_from: Any = None,
) -> Ingested:
    """Inspect an upload in ``fmt`` (refusing unsafe content) and store its blobs.

    Needs no database: call it before the transaction that records the commit.
    ``made_from``: the estimator the server itself serialised into a skops ``path``; the file
    is still checked against the allowlist, and its card facts are read from the estimator
    instead of loading the file back.

    Raises:
        PayloadTooLarge: a safetensors file with more than ``max_tensors`` tensors.
        InvalidInput: the file fails inspection. Blobs written before a failure are
            unrecorded: nothing points at them.
    """
    if fmt == "safetensors":
        return ingest_safetensors(store, path, max_tensors=max_tensors)
    if fmt == "skops":
        from mlhive.server.domain.forge.sklearn import card_facts

        formats.check_skops(path)
        model = made_from if made_from is not None else formats.load_checked_skops(path)
        return _ingest_file(store, "skops", path, card_facts(model))
    info = formats.inspect_onnx(path)
    facts = {
        "library": "onnx",
        "library_version": f"ir{info.ir_version}",
        "model_type": "onnx:" + ",".join(f"{d}={v}" for d, v in sorted(info.opsets.items())),
        "input_schema": [FeatureSpec(name=n) for n in info.inputs],
    }
    return _ingest_file(store, "onnx", path, facts)


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
    """Store the manifest and write a commit row (see :func:`insert_commit`)."""
    manifest_sha = store_manifest(session, store, manifest)
    return insert_commit(
        session, repo, actor, manifest, manifest_sha, parents=parents, card=card, message=message
    )


def insert_commit(
    session: Session,
    repo: ModelRepo,
    actor: Actor,
    manifest: Manifest,
    manifest_sha: str,
    *,
    parents: list[str],
    card: dict[str, Any],
    message: str,
) -> ModelCommit:
    """Write a commit row for a stored manifest.

    Its id hashes parents, content, card, message, author and time.
    """
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
