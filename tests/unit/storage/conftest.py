"""Fixtures for the blob store tests: one ``backend`` per implementation.

The S3 backend talks to moto's server on 127.0.0.1 (no network); its tests carry the ``s3``
marker so they can be deselected with ``-m "not s3"``.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import pytest

from mlhive.server.storage import BlobStore, FsspecBlobStore, LocalBlobStore
from mlhive.server.storage.base import blob_key

S3_BUCKET = "mlhive-test"


@dataclass
class Backend:
    """A fresh store plus the test-only ways to reach behind its back."""

    name: str
    store: BlobStore
    staging_dir: Path
    overwrite: Callable[[str, bytes], None]
    """Replace a stored blob's bytes without going through the store (simulated damage)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def s3_storage_options() -> Iterator[dict[str, Any]]:
    """Start moto's S3 server for the session, create a bucket, yield s3fs options."""
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    pytest.importorskip("s3fs")
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=S3_BUCKET)
    yield {
        "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"},
        "key": "testing",
        "secret": "testing",
    }
    server.stop()


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
