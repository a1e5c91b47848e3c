"""Behaviour only the local folder store has: layout, permissions, renames, processes."""

from __future__ import annotations

import hashlib
import multiprocessing
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from mlhive.server.domain.errors import NotFound
from mlhive.server.storage import BlobInfo, LocalBlobStore


@pytest.fixture
def local_store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "store")


def test_blob_is_a_read_only_file_in_a_two_level_layout(local_store: LocalBlobStore) -> None:
    info = local_store.put(b"layout")
    sha = info.sha256
    expected = local_store.root / "blobs" / sha[:2] / sha[2:4] / sha
    assert local_store.local_path(sha) == expected
    assert expected.read_bytes() == b"layout"
    assert stat.S_IMODE(expected.stat().st_mode) == 0o444
    assert local_store.url == local_store.root.as_uri()


def test_local_path_of_a_missing_blob_raises_not_found(local_store: LocalBlobStore) -> None:
    with pytest.raises(NotFound):
        local_store.local_path("f" * 64)


def test_put_file_with_move_renames_instead_of_copying(
    local_store: LocalBlobStore, tmp_path: Path
) -> None:
    source = tmp_path / "big.parquet"
    source.write_bytes(b"pretend this is large")
    inode = source.stat().st_ino
    info = local_store.put_file(source, move=True)
    blob = local_store.local_path(info.sha256)
    assert blob.stat().st_ino == inode
    assert stat.S_IMODE(blob.stat().st_mode) == 0o444
    assert not source.exists()


def test_put_repairs_a_stored_copy_of_the_wrong_size(local_store: LocalBlobStore) -> None:
    info = local_store.put(b"complete content")
    path = local_store.local_path(info.sha256)
    path.chmod(0o644)
    path.write_bytes(b"compl")  # as if the disk lost the tail
    assert local_store.put(b"complete content") == info
    assert path.read_bytes() == b"complete content"
    assert local_store.verify(info.sha256)


def test_iterate_ignores_files_that_are_not_blobs(local_store: LocalBlobStore) -> None:
    info = local_store.put(b"real")
    shard = local_store.local_path(info.sha256).parent
    (shard / "notes.txt").write_text("stray")
    (shard / ("0" * 64)).write_bytes(b"named like a blob of another shard")
    assert list(local_store.iterate()) == [info]


def test_concurrent_puts_from_processes(local_store: LocalBlobStore) -> None:
    data = bytes(range(256)) * 8192
    expected = BlobInfo(hashlib.sha256(data).hexdigest(), len(data))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        results = list(pool.map(local_store.put, [data] * 4))
    assert results == [expected] * 4
    assert list(local_store.iterate()) == [expected]
    assert local_store.local_path(expected.sha256).read_bytes() == data
    assert list(local_store.staging_dir.iterdir()) == []
