"""The client's local cache: data files by content hash, last-seen descriptions per server.

Layout under the cache folder::

    blobs/<sha256>.parquet                   a dataset's canonical data, verified against its hash
    servers/<server>/datasets/<id>.json      the last description seen of dataset <id>
    servers/<server>/datasets/<id>.<kind>.json   its features or qualities, once processed

Blobs are shared by every server (identical content is stored once); descriptions are kept per
server because two servers may use the same dataset id for different data. Every file is written
to a temporary name and renamed, so a crash never leaves a half-written file under its final name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from mlhive.errors import CorruptDownloadError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _server_key(base_url: str) -> str:
    # Readable and filesystem-safe: "http://127.0.0.1:8000/x" -> "127.0.0.1_8000_x".
    bare = re.sub(r"^[a-z]+://", "", base_url.rstrip("/"))
    return re.sub(r"[^A-Za-z0-9._-]+", "_", bare) or "default"


@contextmanager
def atomic_writer(target: Path) -> Iterator[IO[bytes]]:
    """Yield a binary file that becomes ``target`` only when the block exits without error.

    Args:
        target: the final path; its folder is created if needed.

    Example:
        >>> with atomic_writer(tmp / "x.bin") as out:  # doctest: +SKIP
        ...     out.write(b"data")
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{secrets.token_hex(8)}.part"
    # os.open with 0o666 honours the umask (mkstemp would leave files readable by owner only).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


class Cache:
    """A local, content-addressed cache of dataset files and descriptions.

    Args:
        root: the cache folder (created on first write).
        server: the server's base URL; descriptions are kept per server.

    Example:
        >>> cache = Cache(Path("~/.cache/mlhive").expanduser(), "http://127.0.0.1:8000")
        >>> cache.blob_path("ab" * 32).name
        'abababababababababababababababababababababababababababababababab.parquet'
    """

    def __init__(self, root: Path, server: str) -> None:
        self.root = root
        self.server_dir = root / "servers" / _server_key(server)

    def blob_path(self, sha256: str) -> Path:
        """Where the Parquet file with this content hash is (or would be) cached.

        Raises:
            ValueError: ``sha256`` is not 64 lowercase hex digits.
        """
        if not _SHA256.match(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / "blobs" / f"{sha256}.parquet"

    def has_blob(self, sha256: str) -> bool:
        """Whether the file with this hash is in the cache."""
        return self.blob_path(sha256).is_file()

    def put_blob(self, sha256: str, chunks: Iterable[bytes]) -> Path:
        """Store streamed content under its hash after checking the hash.

        Args:
            sha256: the announced hash of the content.
            chunks: the content, piece by piece.

        Returns:
            The cached file's path.

        Raises:
            CorruptDownloadError: the content's hash differs (nothing is stored).
        """
        target = self.blob_path(sha256)
        digest = hashlib.sha256()
        with atomic_writer(target) as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
            if digest.hexdigest() != sha256:
                raise CorruptDownloadError(
                    f"downloaded data has sha256 {digest.hexdigest()}, expected {sha256}"
                )
        return target

    def _meta_path(self, dataset_id: int, kind: str) -> Path:
        suffix = "" if kind == "description" else f".{kind}"
        return self.server_dir / "datasets" / f"{dataset_id}{suffix}.json"

    def save_json(self, dataset_id: int, kind: str, value: Any) -> None:
        """Remember a JSON document about a dataset (``description``, ``features``, ...).

        Args:
            dataset_id: the dataset's id on this server.
            kind: which document.
            value: anything ``json.dumps`` accepts.
        """
        with atomic_writer(self._meta_path(dataset_id, kind)) as out:
            out.write(json.dumps(value, ensure_ascii=False).encode())

    def load_json(self, dataset_id: int, kind: str) -> Any | None:
        """The remembered document, or None when there is none (or it is unreadable)."""
        try:
            return json.loads(self._meta_path(dataset_id, kind).read_bytes())
        except (FileNotFoundError, ValueError):
            return None

    def forget(self, dataset_id: int) -> None:
        """Drop everything remembered about a dataset (its blobs stay: others may share them)."""
        for path in (self.server_dir / "datasets").glob(f"{dataset_id}.*json"):
            if path.name.split(".")[0] == str(dataset_id):
                path.unlink(missing_ok=True)
