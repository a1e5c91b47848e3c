"""Blob bookkeeping every capability shares: put content in the store, then record its row.

Blobs are written (durably) before the rows that point at them; a row is recorded once per
content hash, so identical content is stored and counted once. Content can be written before
the transaction that records it even opens (a crash then leaves an unrecorded blob, never a
row without its blob): a collector of unrecorded blobs must spare recent ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import pyarrow as pa
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from mlhive.formats.tables import write_parquet
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.storage import BlobInfo, BlobStore


def store_table(store: BlobStore, table: pa.Table, scratch: Path) -> BlobInfo:
    """Write the canonical Parquet file and put it in the blob store (durably)."""
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".parquet", delete=False) as tmp:
        path = Path(tmp.name)
    try:
        write_parquet(table, path)
        return store.put_file(path, move=True)
    finally:
        path.unlink(missing_ok=True)


def remember_blob(session: Session, info: BlobInfo) -> None:
    """Record a blob row (idempotent: identical content is stored once)."""
    if session.get(Blob, info.sha256) is None:
        session.add(Blob(sha256=info.sha256, size=info.size))
        session.flush()


WRITERS = 4
"""Blobs :class:`Writes` stores at once. Their fsyncs overlap, and a disk flushes overlapping
fsyncs together: many small blobs are stored several times faster where flushes are slow.
At most this many pieces wait in memory."""


def put_missing(store: BlobStore, sha256: str, data: bytes) -> None:
    """Store ``data``, whose sha256 the caller computed, unless the store holds it already."""
    if not store.exists(sha256):
        store.put(data)


class Writes:
    """Blobs stored on a few threads while the caller goes on reading its file.

    Leaving the ``with`` block waits for every write; the first failed write is raised there
    (or by the next :meth:`put`).

    Example:
        >>> with Writes(store) as writes:  # doctest: +SKIP
        ...     writes.put(hashlib.sha256(b"x").hexdigest(), b"x")
    """

    def __init__(self, store: BlobStore, writers: int = WRITERS) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(writers, thread_name_prefix="mlhive-blob-put")
        self._slots = threading.BoundedSemaphore(writers)
        self._error: BaseException | None = None

    def __enter__(self) -> Writes:
        return self

    def put(self, sha256: str, data: bytes) -> None:
        """Queue a :func:`put_missing`; waits while ``writers`` pieces are in flight."""
        if self._error is not None:
            raise self._error
        self._slots.acquire()
        self._pool.submit(put_missing, self._store, sha256, data).add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        self._slots.release()
        if self._error is None:
            self._error = future.exception()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._pool.shutdown(wait=True)
        if kind is None and self._error is not None:
            raise self._error


ROWS_PER_QUERY = 500
"""Hashes per ``IN (...)`` lookup: well inside every database's bound-parameter limit."""


def recorded_sizes(session: Session, hashes: Iterable[str]) -> dict[str, int]:
    """The sizes of those of ``hashes`` that have a blob row (one lookup per 500 hashes).

    A row is recorded only once its blob is stored durably, so these need no look in the store.
    """
    wanted = list(dict.fromkeys(hashes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), ROWS_PER_QUERY):
        batch = wanted[start : start + ROWS_PER_QUERY]
        rows = session.execute(select(Blob.sha256, Blob.size).where(Blob.sha256.in_(batch)))
        found.update((row.sha256, row.size) for row in rows)
    return found


def remember_blobs(session: Session, infos: Iterable[BlobInfo]) -> int:
    """Record the rows of many blobs at once: one lookup per 500 hashes, one bulk insert.

    Returns:
        How many rows were new.
    """
    wanted = {info.sha256: info.size for info in infos}
    hashes = list(wanted)
    known: set[str] = set()
    for start in range(0, len(hashes), ROWS_PER_QUERY):
        batch = hashes[start : start + ROWS_PER_QUERY]
        known.update(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(batch))))
    new = [{"sha256": sha, "size": size} for sha, size in wanted.items() if sha not in known]
    if new:
        session.execute(insert(Blob), new)
    return len(new)


def keep_upload(store: BlobStore, source: BinaryIO | Path) -> tuple[BlobInfo, str]:
    """Store an uploaded ARFF file as it came, with its MD5: it is then served byte for byte
    (OpenML's clients compare checksums and contents with what they uploaded)."""
    md5 = hashlib.md5(usedforsecurity=False)
    with contextlib.ExitStack() as stack:
        handle = stack.enter_context(source.open("rb")) if isinstance(source, Path) else source
        handle.seek(0)

        def chunks() -> Iterator[bytes]:
            while chunk := handle.read(1 << 20):
                md5.update(chunk)
                yield chunk

        info = store.put(chunks())
    return info, md5.hexdigest()
