"""Pushes through upload sessions: the client sends only the pieces the server lacks, an
interrupted push resumes with what is missing, and the commit is the one a whole-file push of
the same file makes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from safetensors.numpy import save_file
from sqlalchemy import select

from mlhive import Client
from mlhive.errors import ConnectionFailedError, NotFoundError
from mlhive.server.db.tables.forge import ModelCommit
from mlhive.server.wiring import Hive
from mlhive.wire.models import UPLOAD_CHUNK_BYTES
from tests.api.forge import random_tensors, tensors_bytes
from tests.conftest import UserKey

FRAMING = 256
"""Bytes of multipart framing per piece, at most."""


class Wire:
    """Counts what the client sends, request by request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, int]] = []
        self.fail_after_puts: int | None = None

    def __call__(self, request: httpx.Request) -> None:
        limit = self.fail_after_puts
        if request.method == "PUT" and limit is not None and self.puts() >= limit:
            raise httpx.ConnectError("the network went away", request=request)
        declared = request.headers.get("content-length")  # a streamed multipart body declares it
        size = len(request.content) if hasattr(request, "_content") else int(declared or 0)
        self.requests.append((request.method, request.url.path, size))

    def puts(self) -> int:
        return sum(1 for method, _, _ in self.requests if method == "PUT")

    def put_bytes(self) -> int:
        return sum(size for method, _, size in self.requests if method == "PUT")

    def total(self) -> int:
        return sum(size for _, _, size in self.requests)

    def reset(self) -> None:
        self.requests.clear()


@pytest.fixture
def wire(http: TestClient) -> Iterator[Wire]:
    counter = Wire()
    http.event_hooks["request"].append(counter)
    yield counter
    http.event_hooks["request"].remove(counter)


@pytest.fixture
def client(http: TestClient, alice: UserKey, tmp_path: Path) -> Client:
    return Client(api_key=alice.key, http_client=http, cache_dir=tmp_path / "cache", retries=0)


def manifest_of(hive: Hive, sha: str) -> str:
    with hive.sessions() as session:
        commit = session.scalars(select(ModelCommit).where(ModelCommit.sha == sha)).one()
        return commit.manifest_sha256


def test_a_commit_with_a_tenth_of_its_tensors_changed_sends_only_those(
    client: Client, wire: Wire, hive: Hive
) -> None:
    client.models.create("net")
    first = random_tensors(n=20, size=25_000)  # 100 kB tensors, 2 MB in all
    file_size = len(tensors_bytes(first))
    c1 = client.models.push("alice/net", first, message="one")
    tensor_bytes = sum(t.nbytes for t in first.values())
    # small pieces travel together: one multipart request, a few hundred bytes of framing
    assert wire.puts() == 1 and 0 <= wire.put_bytes() - tensor_bytes < FRAMING * 20
    wire.reset()
    second = dict(first)
    for name in ("layer003.weight", "layer011.weight"):
        second[name] = first[name] + 1
    c2 = client.models.push("alice/net", second, message="two")
    assert wire.puts() == 1 and 0 <= wire.put_bytes() - 2 * 100_000 < FRAMING * 2
    assert wire.total() < 0.15 * file_size  # the description of the file included
    diff = client.models.diff("alice/net", c1.id, c2.id)
    assert [c.name for c in diff.changed] == ["layer003.weight", "layer011.weight"]
    assert diff.unchanged == 18
    pulled = client.models.pull("alice/net")
    np.testing.assert_array_equal(pulled["layer011.weight"], second["layer011.weight"])
    wire.reset()
    c3 = client.models.push("alice/net", second, message="same content")
    assert wire.puts() == 0 and manifest_of(hive, c3.id) == manifest_of(hive, c2.id)


def test_the_commit_is_the_one_a_whole_file_push_makes(
    client: Client, http: TestClient, alice: UserKey, hive: Hive, tmp_path: Path
) -> None:
    client.models.create("net")
    tensors = {**random_tensors(n=3, size=500), "empty": np.zeros((0, 4), np.float32)}
    data = tensors_bytes(tensors, metadata={"epoch": "3"})
    whole = http.post(
        "/api/models/alice/net/commits",
        files={"file": ("model.safetensors", data)},
        data={"metadata": '{"message": "whole", "card": {"licence": "MIT"}}'},
        headers=alice.headers,
    )
    assert whole.status_code == 201, whole.text
    path = tmp_path / "model.safetensors"
    path.write_bytes(data)
    pieces = client.models.push("alice/net", path, message="pieces", card={"licence": "MIT"})
    whole_out = whole.json()
    assert manifest_of(hive, pieces.id) == manifest_of(hive, whole_out["id"])
    assert pieces.files == whole_out["files"] and pieces.tensors == whole_out["tensors"] == 4
    assert pieces.card.licence == "MIT" and pieces.parents == [whole_out["id"]]
    assert (
        client.models.download("alice/net")
        == http.get(f"/api/models/alice/net/files/model.safetensors?ref={whole_out['id']}").content
    )


def test_an_interrupted_push_resumes_sending_only_what_is_missing(
    client: Client, wire: Wire, tmp_path: Path
) -> None:
    client.models.create("big")
    # one 34 MiB tensor: three pieces (16, 16 and 2 MiB), and a small one
    big = np.arange((2 * UPLOAD_CHUNK_BYTES + 2 * 1024**2) // 4, dtype=np.float32)
    path = tmp_path / "model.safetensors"
    save_file({"big": big, "small": np.ones(10, np.float32)}, str(path))
    pieces = big.nbytes + 40  # four requests: 16 MiB, 16 MiB, 2 MiB, the small tensor
    wire.fail_after_puts = 2
    with pytest.raises(ConnectionFailedError):
        client.models.push("alice/big", path, message="interrupted")
    sent_before = wire.put_bytes()
    assert wire.puts() == 2 and sent_before < pieces
    with pytest.raises(NotFoundError, match="no branch"):
        client.models.commit("alice/big")  # nothing was committed
    wire.fail_after_puts = None
    wire.reset()
    commit = client.models.push("alice/big", path, message="resumed")
    assert wire.puts() == 2  # the requests the first attempt did not send
    assert 0 <= wire.put_bytes() - (pieces - sent_before) < 2 * FRAMING
    np.testing.assert_array_equal(client.models.pull("alice/big", commit.id)["big"], big)


def test_a_file_that_is_not_safetensors_is_sent_once(
    client: Client, wire: Wire, tmp_path: Path
) -> None:
    import skops.io as sio
    from sklearn.dummy import DummyClassifier

    client.models.create("clf")
    path = tmp_path / "model.skops"
    sio.dump(DummyClassifier().fit([[0], [1]], [0, 1]), path)
    first = client.models.push("alice/clf", path, message="one")
    assert wire.puts() == 1 and wire.put_bytes() == path.stat().st_size
    wire.reset()
    second = client.models.push("alice/clf", path, message="again")
    assert wire.puts() == 0 and second.parents == [first.id] and second.format == "skops"


class NoUploads(httpx.BaseTransport):
    """A server from before upload sessions: their routes are missing."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/uploads" in request.url.path:
            return httpx.Response(404, json={"code": "not_found", "detail": "Not Found"})
        return self.inner.handle_request(request)


def test_a_server_without_upload_sessions_gets_the_whole_file(
    client: Client, http: TestClient, wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.models.create("net")
    monkeypatch.setattr(http, "_transport", NoUploads(http._transport))
    commit = client.models.push("alice/net", random_tensors(n=2), message="old server")
    assert wire.puts() == 0
    whole = [
        size for m, p, size in wire.requests if (m, p) == ("POST", "/api/models/alice/net/commits")
    ]
    assert len(whole) == 1 and whole[0] > 2 * 4000  # the whole file, in one request
    assert client.models.commit("alice/net").id == commit.id
