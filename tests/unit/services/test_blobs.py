"""Blob rows recorded in bulk (each content hash once, however many a push brings); blob
writes on several threads fail loudly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.services.blobs import ROWS_PER_QUERY, Writes, remember_blob, remember_blobs
from mlhive.server.storage import BlobInfo, LocalBlobStore
from mlhive.server.wiring import Hive


def info(i: int) -> BlobInfo:
    return BlobInfo(hashlib.sha256(str(i).encode()).hexdigest(), i)


def test_many_rows_are_recorded_once_each_next_to_known_ones(hive: Hive) -> None:
    many = 2 * ROWS_PER_QUERY + 200  # more hashes than one lookup takes
    with transaction(hive.sessions) as session:
        for i in range(0, many, 3):
            remember_blob(session, info(i))
    known = len(range(0, many, 3))
    with transaction(hive.sessions) as session:
        blobs = [info(i) for i in range(many)]
        assert remember_blobs(session, [*blobs, *blobs[:10]]) == many - known
    with transaction(hive.sessions) as session:
        rows = {b.sha256: b.size for b in session.scalars(select(Blob))}
        assert remember_blobs(session, blobs) == 0
    assert rows == {b.sha256: b.size for b in blobs}


def write_all(store: LocalBlobStore, n: int) -> None:
    with Writes(store) as writes:
        for i in range(n):
            writes.put(info(i).sha256, str(i).encode())


def test_a_failed_blob_write_is_raised_not_lost(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the store's folder should be")
    with pytest.raises(NotADirectoryError):
        write_all(LocalBlobStore(tmp_path / "not-a-folder" / "store"), 3)


def test_blobs_written_on_several_threads_are_all_stored(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "store")
    write_all(store, 50)
    assert sorted(b.sha256 for b in store.iterate()) == sorted(info(i).sha256 for i in range(50))
    assert all(store.verify(info(i).sha256) for i in range(50))
