"""Upload sessions over the API: pieces are checked against their hashes as they arrive, a
commit cannot be made before every piece is stored, and only those who may push open one."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from sqlalchemy import func, select, update

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.forge import ModelCommit, ModelUpload
from mlhive.server.wiring import Hive
from tests.api.forge import make_repo, random_tensors, skops_bytes, tensors_bytes
from tests.conftest import UserKey

URL = "/api/models/alice/net/uploads"


def describe(data: bytes, **fields: Any) -> dict[str, Any]:
    """An upload session's body for a small safetensors file (one piece per tensor)."""
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + length])
    base = 8 + length
    ranges = sorted(
        (base + s["data_offsets"][0], base + s["data_offsets"][1])
        for n, s in header.items()
        if n != "__metadata__"
    )
    chunks = [{"sha256": hashlib.sha256(data[a:b]).hexdigest(), "size": b - a} for a, b in ranges]
    body = {
        "metadata": {"message": "pieces"},
        "filename": "model.safetensors",
        "size": len(data),
        "header": data[8 : 8 + length].decode(),
        "chunks": chunks,
    }
    return {**body, **fields}


def pieces(data: bytes) -> dict[str, bytes]:
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + length])
    base = 8 + length
    found = {}
    for name, spec in header.items():
        if name != "__metadata__":
            piece = data[base + spec["data_offsets"][0] : base + spec["data_offsets"][1]]
            found[hashlib.sha256(piece).hexdigest()] = piece
    return found


def commits(hive: Hive) -> int:
    with hive.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(ModelCommit)) or 0)


@pytest.fixture
def data(http: TestClient, alice: UserKey) -> bytes:
    make_repo(http, alice)
    return tensors_bytes(random_tensors(n=3, size=1000))


def test_a_corrupted_chunk_is_refused_and_nothing_is_kept(
    http: TestClient, alice: UserKey, hive: Hive, data: bytes
) -> None:
    opened = http.post(URL, json=describe(data), headers=alice.headers)
    assert opened.status_code == 201, opened.text
    session = opened.json()
    assert len(session["missing"]) == 3 and session["missing_bytes"] == 3 * 4000
    sha = session["missing"][0]
    bad = bytearray(pieces(data)[sha])
    bad[100] ^= 0xFF
    put = http.put(f"{URL}/{session['id']}/chunks/{sha}", content=bytes(bad), headers=alice.headers)
    assert put.status_code == 422
    assert put.json()["code"] == "corrupted_chunk" and sha in put.json()["detail"]
    assert not hive.store.exists(sha)
    assert not hive.store.exists(hashlib.sha256(bytes(bad)).hexdigest())
    longer = http.put(
        f"{URL}/{session['id']}/chunks/{sha}",
        content=pieces(data)[sha] + b"x",
        headers=alice.headers,
    )
    assert longer.status_code == 422 and longer.json()["code"] == "corrupted_chunk"
    assert not hive.store.exists(sha)
    assert not list((hive.settings.data_dir / "tmp").glob("chunk-*"))  # no scratch left
    again = http.get(f"{URL}/{session['id']}", headers=alice.headers).json()
    assert again["missing"] == session["missing"]
    finish = http.post(f"{URL}/{session['id']}/commit", headers=alice.headers)
    assert finish.status_code == 409 and "3 piece(s)" in finish.json()["detail"]
    assert commits(hive) == 0


def test_a_session_resumes_and_commits_once_every_piece_arrived(
    http: TestClient, alice: UserKey, hive: Hive, data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = http.post(URL, json=describe(data), headers=alice.headers).json()
    sent = pieces(data)
    first = session["missing"][0]
    put = http.put(
        f"{URL}/{session['id']}/chunks/{first}", content=sent[first], headers=alice.headers
    )
    assert put.status_code == 204
    resumed = http.get(f"{URL}/{session['id']}", headers=alice.headers).json()
    assert resumed["missing"] == session["missing"][1:] and resumed["missing_bytes"] == 8000
    finish = http.post(f"{URL}/{session['id']}/commit", headers=alice.headers)
    assert finish.status_code == 409 and resumed["missing"][0] in finish.json()["detail"]
    for sha in resumed["missing"]:
        http.put(f"{URL}/{session['id']}/chunks/{sha}", content=sent[sha], headers=alice.headers)
    done = http.post(f"{URL}/{session['id']}/commit", headers=alice.headers)
    assert done.status_code == 201, done.text
    assert done.json()["tensors"] == 3 and done.json()["message"] == "pieces"
    assert http.get("/api/models/alice/net/files/model.safetensors").content == data
    gone = http.get(f"{URL}/{session['id']}", headers=alice.headers)
    assert gone.status_code == 404  # a session makes one commit
    # the next session over the same content has nothing to send, and the pieces the
    # commit recorded are known from their rows, not looked up in the store one by one
    looked_up: list[str] = []
    exists = hive.store.exists
    monkeypatch.setattr(hive.store, "exists", lambda sha: looked_up.append(sha) or exists(sha))
    again = http.post(URL, json=describe(data), headers=alice.headers).json()
    assert again["missing"] == [] and looked_up == []
    assert http.post(f"{URL}/{again['id']}/commit", headers=alice.headers).status_code == 201
    assert not set(looked_up) & set(sent)  # only the manifest blob was looked up


def test_a_description_that_does_not_fit_its_header_is_refused_before_any_piece(
    http: TestClient, alice: UserKey, hive: Hive, data: bytes
) -> None:
    body = describe(data)
    body["chunks"][1]["size"] = 3999
    wrong = http.post(URL, json=body, headers=alice.headers)
    assert wrong.status_code == 422 and "piece 0 is 3999 bytes, not 4000" in wrong.json()["detail"]
    short = http.post(URL, json={**describe(data), "chunks": describe(data)["chunks"][:2]},
                      headers=alice.headers)  # fmt: skip
    assert short.status_code == 422 and "make 3 pieces" in short.json()["detail"]
    broken = http.post(URL, json=describe(data, header="{not json"), headers=alice.headers)
    assert broken.status_code == 422 and broken.json()["code"] == "malformed_file"
    sized = http.post(URL, json=describe(data, size=len(data) + 1), headers=alice.headers)
    assert sized.status_code == 422 and sized.json()["code"] == "malformed_file"
    pickled = http.post(URL, json=describe(data, filename="model.pt"), headers=alice.headers)
    assert pickled.status_code == 415 and pickled.json()["code"] == "unsupported_format"
    whole = describe(data, header=None)
    other = http.post(URL, json=whole, headers=alice.headers)  # not one piece: the whole file
    assert other.status_code == 422 and "one piece" in other.json()["detail"]
    with hive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ModelUpload)) == 0


def test_only_who_may_push_opens_sessions_and_only_the_opener_uses_one(
    http: TestClient, alice: UserKey, bob: UserKey, hive: Hive, data: bytes
) -> None:
    denied = http.post(URL, json=describe(data), headers=bob.headers)
    assert denied.status_code == 403
    own_branch = describe(data, metadata={"branch": "bob/try"})
    assert http.post(URL, json=own_branch, headers=bob.headers).status_code == 201
    session = http.post(URL, json=describe(data), headers=alice.headers).json()
    sha = session["missing"][0]
    for method, path in (
        ("GET", f"{URL}/{session['id']}"),
        ("PUT", f"{URL}/{session['id']}/chunks/{sha}"),
        ("POST", f"{URL}/{session['id']}/commit"),
    ):
        answer = http.request(method, path, content=pieces(data)[sha], headers=bob.headers)
        assert answer.status_code == 404, (method, path)
    assert not hive.store.exists(sha)
    private = make_repo(http, alice, "secret", visibility="private")
    hidden = f"/api/models/{private['full_name']}/uploads"
    assert http.post(hidden, json=describe(data), headers=bob.headers).status_code == 404
    unknown = http.put(
        f"{URL}/{session['id']}/chunks/{'0' * 64}", content=b"", headers=alice.headers
    )
    assert unknown.status_code == 404 and "no piece" in unknown.json()["detail"]


def test_an_expired_session_cannot_be_resumed(
    http: TestClient, alice: UserKey, hive: Hive, data: bytes
) -> None:
    session = http.post(URL, json=describe(data), headers=alice.headers).json()
    with hive.sessions() as db, db.begin():
        db.execute(update(ModelUpload).values(expires_at=utcnow() - timedelta(seconds=1)))
    answer = http.get(f"{URL}/{session['id']}", headers=alice.headers)
    assert answer.status_code == 404 and "open a new one" in answer.json()["detail"]
    http.post(URL, json=describe(data), headers=alice.headers)  # opening one clears expired ones
    with hive.sessions() as db:
        assert db.scalar(select(func.count()).select_from(ModelUpload)) == 1


@pytest.mark.s3
def test_pieces_go_to_s3_when_configured(
    settings: Settings, s3_storage_options: dict[str, object], alice: UserKey
) -> None:
    s3 = settings.model_copy(
        update={"storage_url": "s3://mlhive-test/uploads", "storage_options": s3_storage_options}
    )
    app = create_app(s3)
    with TestClient(app) as http:
        make_repo(http, alice)
        data = tensors_bytes({"w": np.arange(100, dtype=np.float32)})
        session = http.post(URL, json=describe(data), headers=alice.headers).json()
        (sha,) = session["missing"]
        bad = http.put(f"{URL}/{session['id']}/chunks/{sha}", content=b"x" * 400,
                       headers=alice.headers)  # fmt: skip
        assert bad.status_code == 422 and not app.state.hive.store.exists(sha)
        http.put(f"{URL}/{session['id']}/chunks/{sha}", content=pieces(data)[sha],
                 headers=alice.headers)  # fmt: skip
        assert app.state.hive.store.url.startswith("s3://") and app.state.hive.store.exists(sha)
        done = http.post(f"{URL}/{session['id']}/commit", headers=alice.headers)
        assert done.status_code == 201, done.text
        assert http.get("/api/models/alice/net/files/model.safetensors").content == data
        # a skops file is one piece, inspected from a copy of the stored blob
        make_repo(http, alice, "clf")
        model = skops_bytes(DummyClassifier().fit([[0], [1]], [0, 1]))
        sha = hashlib.sha256(model).hexdigest()
        whole = {
            "filename": "model.skops",
            "size": len(model),
            "chunks": [{"sha256": sha, "size": len(model)}],
        }
        url = "/api/models/alice/clf/uploads"
        opened = http.post(url, json=whole, headers=alice.headers).json()
        assert opened["missing"] == [sha]
        http.put(f"{url}/{opened['id']}/chunks/{sha}", content=model, headers=alice.headers)
        made = http.post(f"{url}/{opened['id']}/commit", headers=alice.headers)
        assert made.status_code == 201 and made.json()["format"] == "skops", made.text


def test_a_batch_of_pieces_is_stored_only_when_every_piece_is_intact(
    http: TestClient, alice: UserKey, hive: Hive, data: bytes
) -> None:
    session = http.post(URL, json=describe(data), headers=alice.headers).json()
    sent = pieces(data)
    first, second, third = session["missing"]
    bad = bytes(reversed(sent[second]))
    parts = [("chunk", (first, sent[first])), ("chunk", (second, bad))]
    refused = http.put(f"{URL}/{session['id']}/chunks", files=parts, headers=alice.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "corrupted_chunk" and second in refused.json()["detail"]
    assert not hive.store.exists(first) and not hive.store.exists(second)
    stranger = [("chunk", (first, sent[first])), ("chunk", ("f" * 64, b"x"))]
    unknown = http.put(f"{URL}/{session['id']}/chunks", files=stranger, headers=alice.headers)
    assert unknown.status_code == 404 and "chunk.1" in unknown.json()["detail"]
    good = [("chunk", (sha, sent[sha])) for sha in (first, second, third)]
    stored = http.put(f"{URL}/{session['id']}/chunks", files=good, headers=alice.headers)
    assert stored.status_code == 204, stored.text
    assert http.get(f"{URL}/{session['id']}", headers=alice.headers).json()["missing"] == []
    assert http.post(f"{URL}/{session['id']}/commit", headers=alice.headers).status_code == 201
