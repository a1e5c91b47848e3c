"""Blobs in a local folder: the default store.

Layout under ``root``::

    blobs/ab/cd/<sha256>     one read-only file per blob (0o444)
    tmp/mlhive-put-*.part    staging files of writes in progress

A write goes to a staging file on the same filesystem, is fsynced, renamed into place with
``os.replace`` (atomic) and the directory is fsynced. Two writers of the same content each
rename their own complete copy, so both succeed and one intact file remains.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mlhive.server.domain.errors import NotFound
from mlhive.server.storage.base import (
    BlobInfo,
    BlobSource,
    blob_key,
    cleanup_staging_dir,
    digest_reader,
    fsync_dir,
    stage,
    validate_sha256,
)

_READ_ONLY = 0o444


class LocalBlobStore:
    """A :class:`~mlhive.server.storage.base.BlobStore` in a local folder.

    Args:
        root: the store's folder; created on the first write.

    Example:
        >>> store = LocalBlobStore(tmp_path)  # doctest: +SKIP
        >>> info = store.put(b"hello")  # doctest: +SKIP
        >>> store.open(info.sha256).read()  # doctest: +SKIP
        b'hello'
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().absolute()
        self.staging_dir = self.root / "tmp"
        self._blobs = self.root / "blobs"

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    @property
    def url(self) -> str:
        """The store's folder as a ``file://`` URL."""
        return self.root.as_uri()

    def put(self, stream: BlobSource) -> BlobInfo:
        """Store the bytes of ``stream``; see :meth:`BlobStore.put`."""
        staged, info = stage(stream, self.staging_dir, fsync=True)
        try:
            staged.chmod(_READ_ONLY)
            installed = self._install(staged, info)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        if not installed:
            staged.unlink()  # an intact copy was there already
        return info

    def put_file(self, path: Path | str, *, move: bool = False) -> BlobInfo:
        """Store a local file's content; see :meth:`BlobStore.put_file`.

        With ``move=True`` a file on the same filesystem as the store is renamed into place,
        so a large file is never copied; from elsewhere it is copied, then removed.
        """
        source = Path(path)
        if not move:
            with source.open("rb") as file:
                return self.put(file)
        with source.open("rb") as file:
            info = digest_reader(file.read)
            _fsync_quietly(file.fileno())  # the caller may not have flushed its writes
        source.chmod(_READ_ONLY)
        try:
            installed = self._install(source, info)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            installed = False  # another filesystem: copy instead of renaming
            with source.open("rb") as file:
                info = self.put(file)
        if not installed:
            source.unlink()
        return info

    def open(self, sha256: str) -> BinaryIO:
        """Open a blob for reading; see :meth:`BlobStore.open`."""
        try:
            return self._path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFound(f"blob {sha256} not found", sha256=sha256) from None

    def local_path(self, sha256: str) -> Path:
        """The blob's file; see :meth:`BlobStore.local_path`. Never write to it."""
        path = self._path(sha256)
        if not path.is_file():
            raise NotFound(f"blob {sha256} not found", sha256=sha256)
        return path

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored; see :meth:`BlobStore.exists`."""
        return self._path(sha256).is_file()

    def size(self, sha256: str) -> int:
        """The blob's size in bytes; see :meth:`BlobStore.size`."""
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"blob {sha256} not found", sha256=sha256) from None

    def delete(self, sha256: str) -> None:
        """Remove a blob if present; see :meth:`BlobStore.delete`."""
        # Shard folders stay: removing one could race with a put renaming into it.
        self._path(sha256).unlink(missing_ok=True)

    def iterate(self) -> Iterator[BlobInfo]:
        """Yield every stored blob, ordered by sha256; see :meth:`BlobStore.iterate`."""
        for first in _sorted_subdirs(self._blobs):
            for second in _sorted_subdirs(first):
                yield from _blobs_in(second, first.name + second.name)

    def verify(self, sha256: str) -> bool:
        """Re-hash a blob; see :meth:`BlobStore.verify`."""
        with self.open(sha256) as file:
            return digest_reader(file.read).sha256 == sha256

    def cleanup_staging(self, older_than_s: float = 0) -> int:
        """Remove leftover staging files; see :meth:`BlobStore.cleanup_staging`."""
        return cleanup_staging_dir(self.staging_dir, older_than_s)

    def _path(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def _install(self, source: Path, info: BlobInfo) -> bool:
        """Rename a complete, fsynced file into place unless an intact copy is there already.

        Returns:
            Whether ``source`` was renamed (False: the blob was present, ``source`` is left).
        """
        target = self._path(info.sha256)
        if _has_size(target, info.size):
            return False
        shard = target.parent
        if not shard.is_dir():
            shard.mkdir(parents=True, exist_ok=True)
            fsync_dir(shard.parent)
            fsync_dir(shard.parent.parent)
        source.replace(target)
        fsync_dir(shard)
        return True


def _has_size(path: Path, size: int) -> bool:
    # A copy of the wrong size can only be damage; the caller then replaces it.
    try:
        return path.stat().st_size == size
    except FileNotFoundError:
        return False


def _fsync_quietly(fd: int) -> None:
    # Some platforms refuse fsync on a read-only descriptor; the rename is still atomic there.
    with contextlib.suppress(OSError):
        os.fsync(fd)


def _sorted_subdirs(path: Path) -> list[Path]:
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return []
    return sorted(Path(entry.path) for entry in entries if entry.is_dir() and len(entry.name) == 2)


def _blobs_in(shard: Path, prefix: str) -> Iterator[BlobInfo]:
    try:
        entries = sorted(os.scandir(shard), key=lambda entry: entry.name)
    except FileNotFoundError:
        return
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or not _is_sha256(name):
            continue
        try:
            yield BlobInfo(name, entry.stat().st_size)
        except FileNotFoundError:
            continue  # deleted while we were listing


def _is_sha256(name: str) -> bool:
    try:
        validate_sha256(name)
    except ValueError:
        return False
    return True
