"""The blob store contract and the helpers its implementations share.

A blob is an immutable byte string named by the sha256 of its content. Storing the same bytes
twice stores them once; a name can always be checked against the content (:meth:`verify`).
Writes go to a staging file first and become visible in one atomic step, so a crash never
leaves a half-written blob under a valid name: the caller commits its metadata row only after
:meth:`BlobStore.put` returned.

Every sha256 argument is validated strictly (64 lowercase hex digits) before it is turned into
a path or key, so no caller can steer a store outside its root.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, TypeAlias, runtime_checkable

CHUNK_SIZE = 1 << 20
"""Bytes read or written per step while streaming."""

STAGING_PREFIX = "mlhive-put-"
"""Name prefix of staging files; :func:`cleanup_staging_dir` removes only files with it."""

_SHA256 = re.compile(r"[0-9a-f]{64}")

BlobSource: TypeAlias = BinaryIO | Iterable[bytes] | bytes
"""What :meth:`BlobStore.put` accepts: a readable binary file, an iterable of chunks, or bytes."""


@dataclass(frozen=True)
class BlobInfo:
    """The name (hex sha256 of the content) and size in bytes of a stored blob."""

    sha256: str
    size: int


@runtime_checkable
class BlobStore(Protocol):
    """A content-addressed, immutable, deduplicating store of byte strings."""

    @property
    def url(self) -> str:
        """Where the blobs live (a ``file://`` or fsspec URL, without credentials)."""
        ...

    def put(self, stream: BlobSource) -> BlobInfo:
        """Store the bytes of ``stream``, hashing them on the way.

        Args:
            stream: a readable binary file, an iterable of ``bytes`` chunks, or ``bytes``.

        Returns:
            The sha256 and size of the content. Storing content that is present already
            writes nothing new and returns the same info.

        Raises:
            Whatever reading ``stream`` raises; nothing is left visible in that case.
        """
        ...

    def put_file(self, path: Path | str, *, move: bool = False) -> BlobInfo:
        """Store the content of a local file.

        Args:
            path: the file to store.
            move: hand the file over to the store: it may be renamed into place (no copy)
                and is gone from ``path`` afterwards. Without it the file is left untouched.

        Returns:
            The sha256 and size of the content.

        Raises:
            FileNotFoundError: ``path`` does not exist.
        """
        ...

    def open(self, sha256: str) -> BinaryIO:
        """Open a blob for reading; the file is seekable. Close it when done.

        Raises:
            ValueError: ``sha256`` is not 64 lowercase hex digits.
            NotFound: no such blob.
        """
        ...

    def local_path(self, sha256: str) -> Path | None:
        """A real file holding the blob (for memory-mapping), or None for remote stores.

        Raises:
            ValueError: ``sha256`` is not 64 lowercase hex digits.
            NotFound: a local store does not hold the blob.
        """
        ...

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored.

        Raises:
            ValueError: ``sha256`` is not 64 lowercase hex digits.
        """
        ...

    def size(self, sha256: str) -> int:
        """The blob's size in bytes.

        Raises:
            ValueError: ``sha256`` is not 64 lowercase hex digits.
            NotFound: no such blob.
        """
        ...

    def delete(self, sha256: str) -> None:
        """Remove a blob; removing an absent blob does nothing, so collection can be retried.

        Raises:
            ValueError: ``sha256`` is not 64 lowercase hex digits.
        """
        ...

    def iterate(self) -> Iterator[BlobInfo]:
        """Yield every stored blob once, ordered by sha256."""
        ...

    def verify(self, sha256: str) -> bool:
        """Re-hash a blob: True when its content still matches its name.

        Raises:
            ValueError: ``sha256`` is not 64 lowercase hex digits.
            NotFound: no such blob.
        """
        ...

    def cleanup_staging(self, older_than_s: float = 0) -> int:
        """Remove staging files left by interrupted writes; returns how many were removed.

        Args:
            older_than_s: spare files modified less than this many seconds ago. Keep the
                default of 0 only when no other process writes to the same store.
        """
        ...


def validate_sha256(sha256: object) -> str:
    """Return ``sha256`` if it is 64 lowercase hex digits.

    Raises:
        ValueError: anything else (wrong type, case, length or characters).
    """
    if not isinstance(sha256, str) or _SHA256.fullmatch(sha256) is None:
        raise ValueError(f"not a sha256 hex digest (64 lowercase hex digits): {sha256!r}")
    return sha256


def blob_key(sha256: str) -> str:
    """The relative key of a blob, ``blobs/ab/cd/<sha256>``, after validating the name."""
    validate_sha256(sha256)
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def iter_chunks(source: BlobSource) -> Iterator[bytes]:
    """Yield the content of ``source`` in chunks of at most :data:`CHUNK_SIZE` bytes for files."""
    if isinstance(source, bytes | bytearray | memoryview):
        yield bytes(source)
        return
    read: Callable[[int], bytes] | None = getattr(source, "read", None)
    if callable(read):
        while chunk := read(CHUNK_SIZE):
            yield chunk
        return
    yield from source


def digest_reader(read: Callable[[int], bytes]) -> BlobInfo:
    """Hash everything ``read`` returns until it returns an empty chunk."""
    digest = hashlib.sha256()
    size = 0
    while chunk := read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    return BlobInfo(digest.hexdigest(), size)


def stage(source: BlobSource, staging_dir: Path, *, fsync: bool) -> tuple[Path, BlobInfo]:
    """Copy ``source`` into a new staging file while hashing it.

    Args:
        source: what to copy.
        staging_dir: where the staging file is created (made if missing).
        fsync: flush the file to disk before returning (needed before a rename into place).

    Returns:
        The staging file's path (the caller owns it now) and the content's info.

    Raises:
        Whatever reading ``source`` raises; the staging file is removed first.
    """
    staging_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=STAGING_PREFIX, suffix=".part", dir=staging_dir)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = hashlib.sha256()
            size = 0
            for chunk in iter_chunks(source):
                digest.update(chunk)
                size += out.write(chunk)
            if fsync:
                out.flush()
                os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, BlobInfo(digest.hexdigest(), size)


def cleanup_staging_dir(staging_dir: Path, older_than_s: float = 0) -> int:
    """Remove this package's staging files in ``staging_dir`` not modified for ``older_than_s``.

    Returns:
        How many files were removed.
    """
    if not staging_dir.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    removed = 0
    for path in staging_dir.glob(f"{STAGING_PREFIX}*"):
        try:
            if path.stat().st_mtime <= cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # its writer finished or another cleaner got there first
    return removed


def cleanup_scratch_dir(scratch_dir: Path, older_than_s: float) -> int:
    """Remove every file in a scratch folder (one only the server writes to) not modified for
    ``older_than_s`` seconds: what a killed process left between writing and deleting it.

    Returns:
        How many files were removed.
    """
    if not scratch_dir.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    removed = 0
    for entry in os.scandir(scratch_dir):
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime <= cutoff:
                Path(entry.path).unlink()
                removed += 1
        except FileNotFoundError:
            continue  # its writer finished or another cleaner got there first
    return removed


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries to disk so a rename into it survives a crash."""
    if os.name == "nt":  # Windows cannot open directories; NTFS journals renames itself
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
