"""Content-addressed blob storage: a local folder by default, any fsspec URL (``s3://``) too.

Pick an implementation from a configured URL with :func:`open_blob_store`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from mlhive.server.storage.base import BlobInfo, BlobSource, BlobStore, validate_sha256
from mlhive.server.storage.fsspec_store import FsspecBlobStore
from mlhive.server.storage.local import LocalBlobStore

__all__ = [
    "BlobInfo",
    "BlobSource",
    "BlobStore",
    "FsspecBlobStore",
    "LocalBlobStore",
    "open_blob_store",
    "validate_sha256",
]

LOCAL_SUBDIR = "blobstore"
"""Folder under the data dir used by the default local store."""

FSSPEC_STAGING_SUBDIR = "blob-staging"
"""Folder under the data dir where a remote store stages uploads."""


def open_blob_store(
    url: str, *, data_dir: Path, storage_options: Mapping[str, Any] | None = None
) -> BlobStore:
    """Open the blob store a configuration URL names.

    Args:
        url: ``""`` or ``"local"`` for ``<data_dir>/blobstore``; a folder path (relative
            paths are taken under ``data_dir``) or a ``file://`` URL for a local store; any
            other URL (``s3://bucket/prefix``, ``memory://name``) for an fsspec store.
        data_dir: the server's data folder.
        storage_options: fsspec options for remote stores (credentials, endpoint …).

    Returns:
        A :class:`LocalBlobStore` or a :class:`FsspecBlobStore`.

    Raises:
        ValueError: a ``file://`` URL names another host.
    """
    stripped = url.strip()
    if stripped in ("", "local"):
        return LocalBlobStore(Path(data_dir) / LOCAL_SUBDIR)
    if "://" not in stripped:
        return LocalBlobStore(Path(data_dir) / Path(stripped).expanduser())
    if stripped.startswith("file://"):
        return LocalBlobStore(_file_url_path(stripped))
    return FsspecBlobStore(
        stripped, storage_options, staging_dir=Path(data_dir) / FSSPEC_STAGING_SUBDIR
    )


def _file_url_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"file:// URL must name a local path, not host {parts.netloc!r}: {url}")
    return Path(url2pathname(parts.path))
