"""A push stores its file before its write transaction opens, so other users' writes go on while
a push of many tensors is stored; files with more tensors than the server accepts are refused
before anything is stored."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mlhive.server.config import Settings
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.db.tables.forge import ModelCommit
from mlhive.server.storage import BlobInfo, BlobSource, BlobStore
from mlhive.server.wiring import Hive
from tests.api.forge import Push, make_repo, random_tensors, tensors_bytes
from tests.conftest import UserKey

LIMIT = 2000  # the audit's case: 2 000 tiny tensors, exactly at this server's limit
WAIT_S = 120  # a safety net against a hung test, never a measurement


def tiny_tensors(n: int) -> dict[str, np.ndarray]:
    return {f"block{i:04d}.scale": np.full(4, i, np.float32) for i in range(n)}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_tensors_per_file": LIMIT})


class PausedStore:
    """The server's real blob store, except that the first write waits until released: the
    push that makes it is then caught in the middle of storing its file."""

    def __init__(self, store: BlobStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self.paused = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def put(self, stream: BlobSource) -> BlobInfo:
        with self._lock:
            first = not self.paused.is_set()
            self.paused.set()
        if first:
            self.release.wait(WAIT_S)
        return self._store.put(stream)


@pytest.fixture
def paused(hive: Hive) -> Iterator[PausedStore]:
    real, gate = hive.store, PausedStore(hive.store)
    hive.store = gate  # type: ignore[assignment]  # the real store behind a gate
    try:
        yield gate
    finally:
        gate.release.set()
        hive.store = real


def counts(hive: Hive) -> tuple[int, int]:
    """Blob rows and commit rows in the database."""
    with hive.read_sessions() as session:
        blobs = session.scalar(select(func.count()).select_from(Blob))
        commits = session.scalar(select(func.count()).select_from(ModelCommit))
    return int(blobs or 0), int(commits or 0)


def test_others_write_while_a_push_of_2000_tensors_is_being_stored(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push, paused: PausedStore
) -> None:
    make_repo(http, alice, "net")
    with ThreadPoolExecutor(1) as pool:
        pushing: Future[httpx.Response] = pool.submit(
            push, alice, "alice/net", tensors_bytes(tiny_tensors(LIMIT)), message="2000 tensors"
        )
        assert paused.paused.wait(WAIT_S), pushing.result() if pushing.done() else "no write"
        # alice's push is now stuck in the middle of storing its file; bob writes meanwhile.
        try:
            make_repo(http, bob, "small")
            small = push(bob, "bob/small", tensors_bytes(random_tensors(1, 4)), message="tiny")
            assert small.status_code == 201, small.text
            tag = http.post(
                "/api/models/bob/small/tags",
                json={"name": "v1", "ref": "main"},
                headers=bob.headers,
            )
            assert tag.status_code == 201, tag.text
            assert not pushing.done()
        finally:
            paused.release.set()
        response = pushing.result(WAIT_S)
    assert response.status_code == 201, response.text
    assert response.json()["tensors"] == LIMIT
    pulled = http.get("/api/models/alice/net/files/model.safetensors")
    assert pulled.content == tensors_bytes(tiny_tensors(LIMIT))
    refs = http.get("/api/models/bob/small").json()["refs"]
    assert {(r["kind"], r["name"]) for r in refs} == {("branch", "main"), ("tag", "v1")}


def test_a_file_over_the_tensor_limit_is_refused_before_anything_is_stored(
    http: TestClient, alice: UserKey, push: Push, hive: Hive
) -> None:
    make_repo(http, alice, "net")
    before = counts(hive)
    response = push(alice, "alice/net", tensors_bytes(tiny_tensors(LIMIT + 1)))
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["code"] == "too_many_tensors"
    assert f"{LIMIT + 1} tensors" in problem["detail"]
    assert f"the {LIMIT} this server accepts" in problem["detail"]
    assert "MLHIVE_MAX_TENSORS_PER_FILE" in problem["detail"]
    assert problem["errors"] == [
        {"field": "file", "tensors": LIMIT + 1, "limit": LIMIT, "setting": "max_tensors_per_file"}
    ]
    assert counts(hive) == before
    assert list(hive.store.iterate()) == []
    assert http.get("/api/models/alice/net").json()["refs"] == []


def test_a_push_that_cannot_succeed_is_refused_before_its_file_is_stored(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push, hive: Hive
) -> None:
    make_repo(http, alice, "net")
    model = tensors_bytes(random_tensors(3, 4))
    assert push(bob, "alice/net", model).status_code == 403  # alice's main branch
    assert push(alice, "alice/net", model, expected_head="0" * 12).status_code == 409
    bad_card = push(alice, "alice/net", model, card={"lineage": {"task_id": 999}})
    assert bad_card.status_code == 422, bad_card.text
    assert list(hive.store.iterate()) == []
    assert counts(hive) == (0, 0)
