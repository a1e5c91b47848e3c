"""Parameter-level storage: a commit stores only the tensors it changes, identical tensors are
stored once across repositories, and diffs name exactly what changed."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient
from safetensors.numpy import load

from mlhive.server.wiring import Hive
from tests.api.forge import Push, make_repo, random_tensors, tensors_bytes
from tests.conftest import UserKey

N_TENSORS = 100
SIZE = 10_000  # float32 entries: 40 kB per tensor, 4 MB per checkpoint


def stored_bytes(hive: Hive) -> int:
    return sum(info.size for info in hive.store.iterate())


def test_ten_commits_grow_storage_by_the_changed_bytes_and_diffs_name_them(
    http: TestClient, alice: UserKey, push: Push, hive: Hive
) -> None:
    make_repo(http, alice, "big")
    tensors = random_tensors(N_TENSORS, SIZE)
    names = sorted(tensors)
    first = push(alice, "alice/big", tensors_bytes(tensors), message="v0")
    assert first.status_code == 201, first.text
    previous = first.json()["id"]
    rng = np.random.default_rng(1)
    for version in range(1, 11):
        before = stored_bytes(hive)
        changed = sorted(rng.choice(names, size=N_TENSORS // 10, replace=False).tolist())
        for name in changed:
            tensors[name] = tensors[name] + np.float32(0.5)
        response = push(alice, "alice/big", tensors_bytes(tensors), message=f"v{version}")
        assert response.status_code == 201, response.text
        changed_bytes = sum(tensors[n].nbytes for n in changed)
        growth = stored_bytes(hive) - before
        assert changed_bytes <= growth <= 1.1 * changed_bytes, (version, growth, changed_bytes)
        commit = response.json()["id"]
        diff = http.get("/api/models/alice/big/diff", params={"a": previous, "b": commit}).json()
        assert [c["name"] for c in diff["changed"]] == changed
        assert diff["added"] == diff["removed"] == []
        assert diff["unchanged"] == N_TENSORS - len(changed)
        for change in diff["changed"]:
            assert change["fraction_changed"] == 1.0
            assert np.isclose(change["norm_of_difference"], 0.5 * np.sqrt(SIZE), rtol=1e-3)
        previous = commit
    log = http.get("/api/models/alice/big/commits").json()
    assert [c["message"] for c in log] == [f"v{v}" for v in range(10, -1, -1)]
    assert log[0]["parents"] == [log[1]["id"]]


def test_any_commit_can_be_pulled_bit_for_bit(http: TestClient, alice: UserKey, push: Push) -> None:
    make_repo(http, alice, "net")
    versions = [random_tensors(5, 100, seed=s) for s in range(3)]
    ids = [push(alice, "alice/net", tensors_bytes(t)).json()["id"] for t in versions]
    for commit, tensors in zip(ids, versions, strict=True):
        pulled = http.get("/api/models/alice/net/files/model.safetensors", params={"ref": commit})
        assert pulled.status_code == 200
        assert int(pulled.headers["content-length"]) == len(pulled.content)
        loaded = load(pulled.content)
        assert loaded.keys() == tensors.keys()
        for name, array in tensors.items():
            np.testing.assert_array_equal(loaded[name], array)


def test_identical_tensors_are_stored_once_across_repositories(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push, hive: Hive
) -> None:
    make_repo(http, alice, "one")
    make_repo(http, bob, "two")
    tensors = random_tensors(20, 5000)
    assert push(alice, "alice/one", tensors_bytes(tensors)).status_code == 201
    before = stored_bytes(hive)
    assert push(bob, "bob/two", tensors_bytes(tensors, {"note": "same weights"})).status_code == 201
    assert stored_bytes(hive) - before < 5000  # only a new manifest


def test_diff_reports_added_removed_and_reshaped_tensors(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    make_repo(http, alice, "net")
    a = {
        "keep": np.ones(4, np.float32),
        "gone": np.ones(2, np.float32),
        "grow": np.ones(3, np.float32),
    }
    b = {
        "keep": np.ones(4, np.float32),
        "new": np.ones(2, np.float32),
        "grow": np.ones(5, np.float16),
    }
    first = push(alice, "alice/net", tensors_bytes(a)).json()["id"]
    second = push(alice, "alice/net", tensors_bytes(b)).json()["id"]
    diff = http.get("/api/models/alice/net/diff", params={"a": first[:10], "b": "main"}).json()
    assert diff["added"] == ["new"] and diff["removed"] == ["gone"] and diff["unchanged"] == 1
    (change,) = diff["changed"]
    assert change["name"] == "grow"
    assert (change["shape_before"], change["shape_after"]) == ([3], [5])
    assert (change["dtype_before"], change["dtype_after"]) == ("F32", "F16")
    assert change["norm_of_difference"] is None
    assert diff["b"] == second


def test_partial_changes_are_measured(http: TestClient, alice: UserKey, push: Push) -> None:
    make_repo(http, alice, "net")
    before = np.zeros(100, np.float32)
    after = before.copy()
    after[:25] = 2.0
    first = push(alice, "alice/net", tensors_bytes({"w": before})).json()["id"]
    push(alice, "alice/net", tensors_bytes({"w": after}))
    (change,) = http.get("/api/models/alice/net/diff", params={"a": first, "b": "main"}).json()[
        "changed"
    ]
    assert change["fraction_changed"] == 0.25
    assert np.isclose(change["norm_of_difference"], np.linalg.norm(after - before))
