"""One behaviour suite that every blob store implementation must pass.

Each test receives ``backend``/``store`` once per implementation (local folder, fsspec memory://,
S3 via moto), in the spirit of scikit-learn's ``parametrize_with_checks``.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mlhive.server.domain.errors import NotFound
from mlhive.server.storage import BlobInfo, BlobStore
from mlhive.server.storage.base import STAGING_PREFIX

from .conftest import Backend

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
MISSING_SHA256 = "0" * 64


def _random_bytes(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def _info_of(data: bytes) -> BlobInfo:
    return BlobInfo(hashlib.sha256(data).hexdigest(), len(data))


def _read_all(store: BlobStore, sha256: str) -> bytes:
    with store.open(sha256) as file:
        return file.read()


def test_store_satisfies_the_protocol(store: BlobStore) -> None:
    assert isinstance(store, BlobStore)
    assert "://" in store.url


def test_put_then_open_returns_the_exact_bytes(store: BlobStore) -> None:
    data = _random_bytes(10_000)
    info = store.put(io.BytesIO(data))
    assert info == _info_of(data)
    assert _read_all(store, info.sha256) == data


def test_opened_blob_is_seekable(store: BlobStore) -> None:
    data = _random_bytes(5_000, seed=1)
    info = store.put(data)
    with store.open(info.sha256) as file:
        file.seek(4_000)
        assert file.read(10) == data[4_000:4_010]
        file.seek(0)
        assert file.read(3) == data[:3]


def test_bytes_files_and_chunk_iterables_give_the_same_blob(store: BlobStore) -> None:
    data = b"same content, three ways"
    from_bytes = store.put(data)
    from_chunks = store.put(iter([data[:4], data[4:9], data[9:]]))
    from_file = store.put(io.BytesIO(data))
    assert from_bytes == from_chunks == from_file == _info_of(data)


def test_same_content_twice_is_stored_once(store: BlobStore) -> None:
    data = _random_bytes(2_000, seed=2)
    first = store.put(data)
    second = store.put(io.BytesIO(data))
    assert first == second
    assert list(store.iterate()) == [first]


def test_empty_blob(store: BlobStore) -> None:
    info = store.put(b"")
    assert info == BlobInfo(EMPTY_SHA256, 0)
    assert store.exists(EMPTY_SHA256)
    assert store.size(EMPTY_SHA256) == 0
    assert _read_all(store, EMPTY_SHA256) == b""
    assert store.verify(EMPTY_SHA256)


def test_twenty_megabytes_streamed_in_chunks(store: BlobStore) -> None:
    chunks = [_random_bytes(1 << 20, seed=i) for i in range(20)]
    expected = hashlib.sha256(b"".join(chunks)).hexdigest()
    info = store.put(iter(chunks))
    assert info == BlobInfo(expected, 20 << 20)
    assert store.size(expected) == 20 << 20
    digest = hashlib.sha256()
    with store.open(expected) as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == expected


def test_iterate_lists_exactly_the_stored_blobs(store: BlobStore) -> None:
    assert list(store.iterate()) == []
    infos = [store.put(_random_bytes(100 + i, seed=i)) for i in range(5)]
    assert list(store.iterate()) == sorted(infos, key=lambda info: info.sha256)


def test_exists_and_size(store: BlobStore) -> None:
    info = store.put(b"12345")
    assert store.exists(info.sha256)
    assert store.size(info.sha256) == 5
    assert not store.exists(MISSING_SHA256)


def test_delete_removes_only_that_blob(store: BlobStore) -> None:
    kept = store.put(b"kept")
    gone = store.put(b"gone")
    store.delete(gone.sha256)
    assert not store.exists(gone.sha256)
    assert list(store.iterate()) == [kept]
    with pytest.raises(NotFound):
        store.open(gone.sha256)
    store.delete(gone.sha256)  # deleting again is allowed: garbage collection may retry
    assert _read_all(store, kept.sha256) == b"kept"


def test_deleted_blob_can_be_stored_again(store: BlobStore) -> None:
    info = store.put(b"phoenix")
    store.delete(info.sha256)
    assert store.put(b"phoenix") == info
    assert _read_all(store, info.sha256) == b"phoenix"


@pytest.mark.parametrize("name", ["open", "size", "verify"])
def test_missing_blob_raises_not_found(store: BlobStore, name: str) -> None:
    method: Callable[[str], object] = getattr(store, name)
    with pytest.raises(NotFound):
        method(MISSING_SHA256)


BAD_NAMES = [
    "../../etc/passwd",
    "../" + "a" * 61,
    EMPTY_SHA256.upper(),
    EMPTY_SHA256[:10],
    EMPTY_SHA256 + "0",
    EMPTY_SHA256[:-1] + "g",
    EMPTY_SHA256 + "\n",
    "",
]


@pytest.mark.parametrize("name", ["open", "exists", "size", "delete", "verify", "local_path"])
@pytest.mark.parametrize("sha256", BAD_NAMES)
def test_invalid_sha256_is_rejected(store: BlobStore, name: str, sha256: str) -> None:
    method: Callable[[str], object] = getattr(store, name)
    with pytest.raises(ValueError, match="sha256"):
        method(sha256)


def test_verify_detects_a_corrupted_blob(backend: Backend) -> None:
    store = backend.store
    intact = store.put(b"intact")
    damaged = store.put(b"original content")
    assert store.verify(damaged.sha256)
    backend.overwrite(damaged.sha256, b"tampered content")
    assert not store.verify(damaged.sha256)
    assert store.verify(intact.sha256)


def _failing_stream(first: bytes) -> Iterator[bytes]:
    yield first
    raise ConnectionResetError("client went away")


def test_interrupted_write_leaves_nothing_visible(backend: Backend) -> None:
    store = backend.store
    first = b"the first half arrived"
    with pytest.raises(ConnectionResetError):
        store.put(_failing_stream(first))
    assert not store.exists(_info_of(first).sha256)
    assert list(store.iterate()) == []
    assert list(backend.staging_dir.glob("*")) == []
    assert store.cleanup_staging() == 0


def test_cleanup_staging_removes_only_old_leftovers(backend: Backend) -> None:
    staging = backend.staging_dir
    staging.mkdir(parents=True, exist_ok=True)
    leftover = staging / f"{STAGING_PREFIX}crashed.part"
    leftover.write_bytes(b"partial")
    unrelated = staging / "someone-elses-file"
    unrelated.write_bytes(b"keep me")
    assert backend.store.cleanup_staging(older_than_s=3600) == 0
    assert leftover.exists()
    an_hour_ago = time.time() - 3700
    os.utime(leftover, (an_hour_ago, an_hour_ago))
    assert backend.store.cleanup_staging(older_than_s=3600) == 1
    assert not leftover.exists()
    assert unrelated.read_bytes() == b"keep me"


def test_put_file_leaves_the_callers_file_alone(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "upload.bin"
    data = _random_bytes(3_000, seed=7)
    source.write_bytes(data)
    info = store.put_file(source)
    assert info == _info_of(data)
    assert source.read_bytes() == data
    assert _read_all(store, info.sha256) == data


@pytest.mark.parametrize("present", [False, True], ids=["new", "present"])
def test_put_file_with_move_takes_the_file(store: BlobStore, tmp_path: Path, present: bool) -> None:
    data = _random_bytes(3_000, seed=8)
    if present:
        store.put(data)
    source = tmp_path / "upload.bin"
    source.write_bytes(data)
    info = store.put_file(source, move=True)
    assert info == _info_of(data)
    assert not source.exists()
    assert _read_all(store, info.sha256) == data
    assert list(store.iterate()) == [info]


def test_concurrent_puts_of_the_same_content(store: BlobStore) -> None:
    data = _random_bytes(2 << 20, seed=9)
    writers = 6
    barrier = threading.Barrier(writers)

    def chunks() -> Iterator[bytes]:
        yield data[: 1 << 20]
        barrier.wait(timeout=30)  # every writer is mid-stream before any finishes
        yield data[1 << 20 :]

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = list(pool.map(lambda _: store.put(chunks()), range(writers)))
    assert results == [_info_of(data)] * writers
    assert list(store.iterate()) == [_info_of(data)]
    assert store.verify(results[0].sha256)
    assert _read_all(store, results[0].sha256) == data
