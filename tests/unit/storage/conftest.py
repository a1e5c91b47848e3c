"""Fixtures for the blob store tests: one ``backend`` per implementation.

The S3 backend talks to moto's server on 127.0.0.1 (no network); its tests carry the ``s3``
marker so they can be deselected with ``-m "not s3"``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import pytest

from mlhive.server.storage import BlobStore, FsspecBlobStore, LocalBlobStore
from mlhive.server.storage.base import blob_key
from tests.conftest import S3_BUCKET


@dataclass
class Backend:
    """A fresh store plus the test-only ways to reach behind its back."""

    name: str
    store: BlobStore
    staging_dir: Path
    overwrite: Callable[[str, bytes], None]
    """Replace a stored blob's bytes without going through the store (simulated damage)."""


def _local_backend(tmp_path: Path) -> Backend:
    store = LocalBlobStore(tmp_path / "store")

    def overwrite(sha256: str, data: bytes) -> None:
        path = store.local_path(sha256)
        path.chmod(0o644)
        path.write_bytes(data)

    return Backend("local", store, store.staging_dir, overwrite)


def _fsspec_backend(name: str, url: str, options: dict[str, Any], staging_dir: Path) -> Backend:
    store = FsspecBlobStore(url, options, staging_dir=staging_dir)

    def overwrite(sha256: str, data: bytes) -> None:
        with fsspec.open(f"{url}/{blob_key(sha256)}", "wb", **options) as file:
            file.write(data)

    return Backend(name, store, staging_dir, overwrite)


@pytest.fixture(params=["local", "memory", pytest.param("s3", marks=pytest.mark.s3)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty store of each implementation in turn."""
    unique = uuid.uuid4().hex
    if request.param == "local":
        yield _local_backend(tmp_path)
    elif request.param == "memory":
        url = f"memory://mlhive-test-{unique}"
        yield _fsspec_backend("memory", url, {}, tmp_path / "staging")
        # The memory filesystem is one process-wide dict: leave it as we found it.
        fs = fsspec.filesystem("memory")
        if fs.exists(url):
            fs.rm(url, recursive=True)
    else:
        options = request.getfixturevalue("s3_storage_options")
        url = f"s3://{S3_BUCKET}/{unique}"
        yield _fsspec_backend("s3", url, options, tmp_path / "staging")


@pytest.fixture
def store(backend: Backend) -> BlobStore:
    """The store of :func:`backend`."""
    return backend.store
