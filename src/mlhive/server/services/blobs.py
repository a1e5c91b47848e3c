"""Blob bookkeeping every capability shares: put content in the store, then record its row.

Blobs are written (durably) before the rows that point at them; a row is recorded once per
content hash, so identical content is stored and counted once.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
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
