"""Server-side merges through the API: each ends in a commit recording all its parents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from safetensors.numpy import load

from tests.api.forge import Push, make_repo, random_tensors, tensors_bytes
from tests.conftest import UserKey


def _merge(
    http: TestClient, user: UserKey, repo: str, run_jobs: Callable[[], int], **body: Any
) -> dict[str, Any]:
    response = http.post(f"/api/models/{repo}/merges", json=body, headers=user.headers)
    assert response.status_code == 202, response.text
    run_jobs()
    merge: dict[str, Any] = http.get(f"/api/models/{repo}/merges/{response.json()['id']}").json()
    assert merge["state"] == "done", merge
    return merge


def _pull(http: TestClient, repo: str, ref: str) -> dict[str, np.ndarray]:
    response = http.get(f"/api/models/{repo}/files/model.safetensors", params={"ref": ref})
    assert response.status_code == 200
    return load(response.content)


def test_an_averaging_merge_of_two_commits_equals_numpys_average(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    make_repo(http, alice, "soup")
    a, b = random_tensors(6, 50, seed=1), random_tensors(6, 50, seed=2)
    first = push(alice, "alice/soup", tensors_bytes(a), branch="a").json()["id"]
    second = push(alice, "alice/soup", tensors_bytes(b), branch="b").json()["id"]
    merge = _merge(
        http, alice, "alice/soup", run_jobs,
        method="average", sources=[{"ref": "a"}, {"ref": "b"}], weights=[0.25, 0.75],
        branch="main", message="soup",
    )  # fmt: skip
    merged = _pull(http, "alice/soup", merge["commit"])
    for name in a:
        expected = np.average([a[name], b[name]], axis=0, weights=[0.25, 0.75])
        np.testing.assert_allclose(merged[name], expected.astype(np.float32), rtol=0, atol=0)
    commit = http.get(f"/api/models/alice/soup/commits/{merge['commit']}").json()
    assert commit["parents"] == [first, second]
    assert commit["message"] == "soup"
    assert commit["card"]["merge"] == {
        "method": "average",
        "coefficients": [0.25, 0.75],
        "options": {},
    }
    assert [m["commit"] for m in commit["card"]["base_models"]] == [first, second]


def test_a_task_arithmetic_merge_equals_its_formula_across_forks(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    make_repo(http, alice, "base")
    base = random_tensors(4, 30, seed=0)
    push(alice, "alice/base", tensors_bytes(base))
    assert http.post("/api/models/alice/base/fork", json={}, headers=bob.headers).status_code == 201
    tuned_a = {k: v + np.float32(0.1) * np.arange(30, dtype=np.float32) for k, v in base.items()}
    tuned_b = {k: v - np.float32(0.3) for k, v in base.items()}
    push(alice, "alice/base", tensors_bytes(tuned_a), branch="tuned")
    push(bob, "bob/base", tensors_bytes(tuned_b), branch="main")
    merge = _merge(
        http, alice, "alice/base", run_jobs,
        method="task_arithmetic", base={"ref": "main"},
        sources=[{"ref": "tuned"}, {"repo": "bob/base", "ref": "main"}], weights=[0.5, 2.0],
    )  # fmt: skip
    merged = _pull(http, "alice/base", "main")
    for name, origin in base.items():
        o, a, b = (t.astype(np.float64) for t in (origin, tuned_a[name], tuned_b[name]))
        expected = o + 0.5 * (a - o) + 2.0 * (b - o)
        np.testing.assert_array_equal(merged[name], expected.astype(np.float32))
    log = http.get("/api/models/alice/base/commits").json()
    assert log[0]["id"] == merge["commit"]
    assert len(log[0]["parents"]) == 3  # the branch head (also the base) and two sources
    assert {c["author"] for c in log} == {"alice", "bob"}


def test_ties_merge_runs_and_records_its_density(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    make_repo(http, alice, "ties")
    base = {"w": np.zeros(4, np.float32)}
    push(alice, "alice/ties", tensors_bytes(base))
    push(
        alice, "alice/ties", tensors_bytes({"w": np.array([1, -2, 0.1, 3], np.float32)}), branch="a"
    )
    push(
        alice,
        "alice/ties",
        tensors_bytes({"w": np.array([2, 1, -0.1, -1], np.float32)}),
        branch="b",
    )
    merge = _merge(
        http, alice, "alice/ties", run_jobs,
        method="ties", base={"ref": "main"}, sources=[{"ref": "a"}, {"ref": "b"}], density=0.5,
    )  # fmt: skip
    np.testing.assert_allclose(_pull(http, "alice/ties", merge["commit"])["w"], [2, -2, 0, 3])
    card = http.get("/api/models/alice/ties/card").json()
    assert card["merge"]["options"] == {"density": 0.5}


def test_merging_different_architectures_fails_with_the_reason(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    make_repo(http, alice, "odd")
    push(alice, "alice/odd", tensors_bytes({"w": np.zeros(4, np.float32)}), branch="a")
    push(alice, "alice/odd", tensors_bytes({"w": np.zeros(5, np.float32)}), branch="b")
    response = http.post(
        "/api/models/alice/odd/merges",
        json={"method": "average", "sources": [{"ref": "a"}, {"ref": "b"}]},
        headers=alice.headers,
    )
    run_jobs()
    merge = http.get(f"/api/models/alice/odd/merges/{response.json()['id']}").json()
    assert merge["state"] == "failed"
    assert "tensor 'w'" in merge["error"]


def test_merge_sources_are_checked_before_queueing(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    make_repo(http, alice, "m")
    push(alice, "alice/m", tensors_bytes({"w": np.zeros(4, np.float32)}))
    response = http.post(
        "/api/models/alice/m/merges",
        json={"method": "average", "sources": [{"ref": "main"}, {"ref": "nope"}]},
        headers=alice.headers,
    )
    assert response.status_code == 422
    assert "nope" in response.json()["detail"]
