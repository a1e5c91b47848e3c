"""A database lock held elsewhere answers 503 with ``Retry-After`` (reads keep working); a full
disk answers 507 and leaves no partial file in the staging or scratch folders."""

from __future__ import annotations

import errno
import os
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlhive.server.config import Settings
from mlhive.server.storage import BlobInfo, BlobSource, LocalBlobStore
from mlhive.server.storage.base import iter_chunks
from mlhive.server.wiring import Hive
from tests.api.conftest import Upload
from tests.api.forge import Push, make_repo, random_tensors, tensors_bytes
from tests.conftest import UserKey


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A request gives up on a held lock after a fifth of a second (5 s by default)."""
    return settings.model_copy(update={"request_busy_seconds": 0.2})


@pytest.fixture
def write_lock(settings: Settings) -> Iterator[None]:
    """Another process's connection holds SQLite's write lock for the test's duration."""
    url = settings.resolved_database_url
    if not url.startswith("sqlite:///"):
        pytest.skip("holds SQLite's write lock")
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_held_write_lock_answers_503_with_retry_after_and_reads_still_work(
    http: TestClient, alice: UserKey, upload: Upload, write_lock: None
) -> None:
    busy = http.post("/api/models", json={"name": "net"}, headers=alice.headers)
    assert busy.status_code == 503, busy.text
    assert busy.headers["content-type"] == "application/problem+json"
    assert busy.json()["code"] == "database_busy"
    assert int(busy.headers["Retry-After"]) > 0
    assert upload(alice).status_code == 503  # an upload too, and its body is dropped
    listed = http.get("/api/models", headers=alice.headers)  # authenticated read
    assert listed.status_code == 200
    assert http.get("/api/datasets").status_code == 200


def test_the_openml_face_answers_a_held_lock_with_an_oml_error_and_retry_after(
    http: TestClient, alice: UserKey, write_lock: None
) -> None:
    answer = http.post(
        "/api/v1/xml/data/tag", data={"data_id": 1, "tag": "x", "api_key": alice.key}
    )
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert ET.fromstring(answer.text).tag == "{http://openml.org/openml}error"
    assert http.get("/api/v1/xml/data/list").status_code in (200, 412)  # a read still answers


class FullDisk(LocalBlobStore):
    """A store whose disk fills up after the first chunk of every write."""

    def put(self, stream: BlobSource) -> BlobInfo:
        def filling() -> Iterator[bytes]:
            for chunk in iter_chunks(stream):
                yield chunk[: len(chunk) // 2 or 1]  # half a file reaches the staging file
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        return super().put(filling())

    def put_file(self, path: Path | str, *, move: bool = False) -> BlobInfo:
        with Path(path).open("rb") as file:
            return self.put(file)


@pytest.fixture
def full_disk(hive: Hive) -> Hive:
    root = Path(hive.store.url.removeprefix("file://"))
    hive.store = FullDisk(root)
    return hive


def leftovers(hive: Hive) -> list[str]:
    """Every file in the scratch folder and the store's staging folder."""
    folders = [hive.settings.data_dir / "tmp", Path(hive.store.url.removeprefix("file://")) / "tmp"]
    return sorted(str(p) for folder in folders if folder.is_dir() for p in folder.iterdir())


def test_a_full_disk_answers_507_and_keeps_no_partial_file(
    http: TestClient, alice: UserKey, upload: Upload, full_disk: Hive
) -> None:
    answer = upload(alice)
    assert answer.status_code == 507, answer.text
    assert answer.json()["code"] == "insufficient_storage"
    assert "disk is full" in answer.json()["detail"]
    assert leftovers(full_disk) == []
    listed = http.get("/api/datasets", params={"status": "all"}, headers=alice.headers).json()
    assert listed["items"] == []  # nothing half-recorded either


def test_a_model_push_on_a_full_disk_answers_507_and_keeps_no_partial_file(
    http: TestClient, alice: UserKey, push: Push, full_disk: Hive
) -> None:
    make_repo(http, alice)
    answer = push(alice, "alice/net", tensors_bytes(random_tensors()), message="first")
    assert answer.status_code == 507, answer.text
    assert leftovers(full_disk) == []
    repo = http.get("/api/models/alice/net", headers=alice.headers).json()
    assert repo["refs"] == [], repo  # no commit was recorded
