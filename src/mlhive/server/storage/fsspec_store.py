"""Blobs behind any fsspec URL: ``s3://bucket/prefix`` (with the ``s3`` extra), ``memory://`` …

Objects are stored under ``<prefix>/blobs/ab/cd/<sha256>``. The name of a blob is known only
after its last byte, so :meth:`FsspecBlobStore.put` first streams the content into a local
staging file while hashing it, then uploads that file under its final key. Object stores make
an upload visible all at once (S3 puts and multipart uploads are atomic), so readers never see
a partial blob. Filesystems without atomic writes (e.g. SFTP) are not suitable backends.

:meth:`FsspecBlobStore.open` returns fsspec's own file object: it is seekable and fetches byte
ranges on demand (no local cache), so reading a Parquet footer does not download the file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, cast

from fsspec.core import url_to_fs

from mlhive.server.domain.errors import NotFound
from mlhive.server.storage.base import (
    BlobInfo,
    BlobSource,
    cleanup_staging_dir,
    digest_reader,
    stage,
    validate_sha256,
)


class FsspecBlobStore:
    """A :class:`~mlhive.server.storage.base.BlobStore` on an fsspec filesystem.

    Args:
        url: where to keep the blobs, e.g. ``s3://bucket/mlhive`` or ``memory://test``.
        storage_options: passed to the fsspec filesystem (credentials, ``client_kwargs`` …);
            they never appear in :attr:`url`.
        staging_dir: local folder for the files being hashed before upload
            (default: ``mlhive-staging`` in the system's temporary folder).

    Example:
        >>> store = FsspecBlobStore("s3://bucket/mlhive", {"anon": False})  # doctest: +SKIP
        >>> info = store.put(open("data.parquet", "rb"))  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str,
        storage_options: Mapping[str, Any] | None = None,
        *,
        staging_dir: Path | str | None = None,
    ) -> None:
        self._url = url
        fs, base = url_to_fs(url, **dict(storage_options or {}))
        self._fs: Any = fs
        base = str(base).rstrip("/")
        self._blobs_root = str(fs._strip_protocol(f"{base}/blobs" if base else "blobs"))
        default_staging = Path(tempfile.gettempdir()) / "mlhive-staging"
        self.staging_dir = Path(staging_dir) if staging_dir is not None else default_staging

    def __repr__(self) -> str:
        return f"FsspecBlobStore({self._url!r})"

    @property
    def url(self) -> str:
        """The URL the store was opened with."""
        return self._url

    def put(self, stream: BlobSource) -> BlobInfo:
        """Store the bytes of ``stream``; see :meth:`BlobStore.put`."""
        staged, info = stage(stream, self.staging_dir, fsync=False)
        try:
            self._upload(staged, info)
        finally:
            staged.unlink(missing_ok=True)
        return info

    def put_file(self, path: Path | str, *, move: bool = False) -> BlobInfo:
        """Store a local file's content; see :meth:`BlobStore.put_file`.

        The file is uploaded directly (no staging copy), so it must not change during the call.
        """
        source = Path(path)
        with source.open("rb") as file:
            info = digest_reader(file.read)
        self._upload(source, info)
        if move:
            source.unlink()
        return info

    def open(self, sha256: str) -> BinaryIO:
        """Open a blob for reading with range requests; see :meth:`BlobStore.open`."""
        key = self._key(sha256)
        self._fs.invalidate_cache(key)
        try:
            return cast(BinaryIO, self._fs.open(key, "rb"))
        except FileNotFoundError:
            raise NotFound(f"blob {sha256} not found", sha256=sha256) from None

    def local_path(self, sha256: str) -> Path | None:
        """Always None: the blobs are not local files. See :meth:`BlobStore.local_path`."""
        validate_sha256(sha256)
        return None

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored; see :meth:`BlobStore.exists`."""
        return self._stored_size(self._key(sha256)) is not None

    def size(self, sha256: str) -> int:
        """The blob's size in bytes; see :meth:`BlobStore.size`."""
        size = self._stored_size(self._key(sha256))
        if size is None:
            raise NotFound(f"blob {sha256} not found", sha256=sha256)
        return size

    def delete(self, sha256: str) -> None:
        """Remove a blob if present; see :meth:`BlobStore.delete`."""
        key = self._key(sha256)
        try:
            self._fs.rm_file(key)
        except FileNotFoundError:
            pass  # deleting is idempotent
        finally:
            self._fs.invalidate_cache(key)

    def iterate(self) -> Iterator[BlobInfo]:
        """Yield every stored blob, ordered by sha256; see :meth:`BlobStore.iterate`."""
        self._fs.invalidate_cache(self._blobs_root)
        found: dict[str, dict[str, Any]] = self._fs.find(self._blobs_root, detail=True)
        blobs = []
        for path, details in found.items():
            name = str(path).rsplit("/", 1)[-1]
            if details.get("type") == "file" and self._is_blob_path(str(path), name):
                blobs.append(BlobInfo(name, int(details["size"])))
        yield from sorted(blobs, key=lambda info: info.sha256)

    def verify(self, sha256: str) -> bool:
        """Re-hash a blob (downloading it in chunks); see :meth:`BlobStore.verify`."""
        with self.open(sha256) as file:
            return digest_reader(file.read).sha256 == sha256

    def cleanup_staging(self, older_than_s: float = 0) -> int:
        """Remove leftover staging files; see :meth:`BlobStore.cleanup_staging`."""
        return cleanup_staging_dir(self.staging_dir, older_than_s)

    def _key(self, sha256: str) -> str:
        validate_sha256(sha256)
        return f"{self._blobs_root}/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _is_blob_path(self, path: str, name: str) -> bool:
        try:
            return path == self._key(name)
        except ValueError:
            return False  # a stray object that is not named like a blob

    def _stored_size(self, key: str) -> int | None:
        # Listings may be cached by the filesystem; another process may have changed them.
        self._fs.invalidate_cache(key)
        try:
            details = self._fs.info(key)
        except FileNotFoundError:
            return None
        if details.get("type") != "file":
            return None
        return int(details["size"])

    def _upload(self, source: Path, info: BlobInfo) -> None:
        key = self._key(info.sha256)
        # A copy of another size can only be damage, so it is replaced.
        if self._stored_size(key) != info.size:
            self._fs.put_file(str(source), key)
            self._fs.invalidate_cache(key)
