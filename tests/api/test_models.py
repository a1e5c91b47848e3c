"""Repositories, refs and cards: visibility, tags that never move, forks with lineage, the
card's schema validated on push and served as JSON and Markdown."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.api.forge import Push, make_repo, random_tensors, skops_bytes, tensors_bytes
from tests.conftest import UserKey

FRAME = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
X, Y = FRAME[["x1", "x2"]], FRAME["label"].astype(str)


def test_private_repositories_are_invisible_to_others(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push
) -> None:
    make_repo(http, alice, "secret", visibility="private")
    assert push(alice, "alice/secret", tensors_bytes(random_tensors(2, 4))).status_code == 201
    for headers in ({}, bob.headers):
        assert http.get("/api/models/alice/secret", headers=headers).status_code == 404
        assert (
            http.get(
                "/api/models/alice/secret/files/model.safetensors", headers=headers
            ).status_code
            == 404
        )
        assert "alice/secret" not in [
            r["full_name"] for r in http.get("/api/models", headers=headers).json()
        ]
    assert (
        push(bob, "alice/secret", tensors_bytes(random_tensors(2, 4)), branch="bob/x").status_code
        == 404
    )
    assert http.get("/api/models/alice/secret", headers=alice.headers).status_code == 200


def test_writes_need_a_key_and_names_are_unique(http: TestClient, alice: UserKey) -> None:
    assert http.post("/api/models", json={"name": "x"}).status_code == 401
    make_repo(http, alice, "x")
    again = http.post("/api/models", json={"name": "x"}, headers=alice.headers)
    assert again.status_code == 409
    bad = http.post("/api/models", json={"name": "../x"}, headers=alice.headers)
    assert bad.status_code == 422


def test_branches_move_tags_do_not(http: TestClient, alice: UserKey, push: Push) -> None:
    make_repo(http, alice, "net")
    v1 = push(alice, "alice/net", tensors_bytes(random_tensors(2, 4, seed=1))).json()["id"]
    tag = http.post(
        "/api/models/alice/net/tags", json={"name": "v1", "ref": "main"}, headers=alice.headers
    )
    assert tag.status_code == 201
    v2 = push(alice, "alice/net", tensors_bytes(random_tensors(2, 4, seed=2))).json()["id"]
    refs = {r["name"]: r["commit"] for r in http.get("/api/models/alice/net").json()["refs"]}
    assert refs == {"main": v2, "v1": v1}
    moved = http.post(
        "/api/models/alice/net/tags", json={"name": "v1", "ref": v2}, headers=alice.headers
    )
    assert moved.status_code == 409
    assert http.get("/api/models/alice/net/commits/v1").json()["id"] == v1
    branch = http.post(
        "/api/models/alice/net/branches",
        json={"name": "old/one", "ref": v1[:8]},
        headers=alice.headers,
    )
    assert branch.status_code == 201
    assert http.get("/api/models/alice/net/commits/old/one").json()["id"] == v1
    assert (
        http.delete("/api/models/alice/net/branches/old/one", headers=alice.headers).status_code
        == 204
    )
    assert (
        http.delete("/api/models/alice/net/branches/main", headers=alice.headers).status_code == 409
    )
    assert http.get("/api/models/alice/net/commits/nothing").status_code == 404


def test_a_stale_push_is_refused(http: TestClient, alice: UserKey, push: Push) -> None:
    make_repo(http, alice, "net")
    first = push(alice, "alice/net", tensors_bytes(random_tensors(2, 4, seed=1))).json()["id"]
    push(alice, "alice/net", tensors_bytes(random_tensors(2, 4, seed=2)))
    stale = push(
        alice, "alice/net", tensors_bytes(random_tensors(2, 4, seed=3)), expected_head=first
    )
    assert stale.status_code == 409


def test_forks_record_their_lineage_and_share_history(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push
) -> None:
    make_repo(http, alice, "net", description="base model")
    v1 = push(alice, "alice/net", tensors_bytes(random_tensors(2, 4))).json()["id"]
    fork = http.post("/api/models/alice/net/fork", json={"name": "tuned"}, headers=bob.headers)
    assert fork.status_code == 201
    assert fork.json()["forked_from"] == "alice/net" and fork.json()["owner"] == "bob"
    v2 = push(bob, "bob/tuned", tensors_bytes(random_tensors(2, 4, seed=9))).json()["id"]
    log = http.get("/api/models/bob/tuned/commits").json()
    assert [c["id"] for c in log] == [v2, v1]
    assert http.get("/api/models/alice/net/commits").json()[0]["id"] == v1


def test_the_card_is_completed_from_the_file_and_checked_against_the_server(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    make_repo(http, alice, "clf")
    card = {
        "library": "lies",
        "licence": "CC-BY-4.0",
        "intended_use": "Demos.",
        "limitations": "90 rows.",
        "lineage": {"task_id": task["id"]},
        "metrics": [{"name": "predictive_accuracy", "value": 0.99, "source": "server"}],
    }
    model = LogisticRegression().fit(X, Y)
    pushed = push(alice, "alice/clf", skops_bytes(model), "model.skops", card=card, message="lr")
    assert pushed.status_code == 201, pushed.text
    stored = http.get("/api/models/alice/clf/card").json()
    assert stored["library"] == "scikit-learn"
    assert stored["model_type"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert stored["task_type"] == "supervised_classification"
    assert [f["name"] for f in stored["input_schema"]] == ["x1", "x2"]
    assert stored["output_schema"]["class_labels"] == ["no", "yes"]
    assert stored["lineage"] == {
        "dataset_id": dataset, "dataset_version": 1, "task_id": task["id"], "run_id": None,
    }  # fmt: skip
    assert stored["metrics"][0]["source"] == "uploader"  # only the server's evaluations say server
    markdown = http.get("/api/models/alice/clf/card", params={"format": "md"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert text.startswith("---\n") and 'library_name: "scikit-learn"' in text
    assert 'license: "CC-BY-4.0"' in text and "## Intended use\n\nDemos." in text
    front = text.split("---\n")[1]
    assert "  task_id: " + str(task["id"]) in front


@pytest.mark.parametrize(
    ("card", "field"),
    [
        ({"lineage": {"task_id": 999}}, "card.lineage.task_id"),
        ({"lineage": {"dataset_id": 999}}, "card.lineage.dataset_id"),
        ({"base_models": [{"repo": "nobody/nothing"}]}, "card.base_models.0"),
        ({"input_schema": [{"name": "a"}, {"name": "a"}]}, "metadata.card"),
        ({"unknown_field": 1}, "metadata.card"),
    ],
)
def test_invalid_cards_are_refused_naming_the_field(
    http: TestClient, alice: UserKey, push: Push, card: dict[str, Any], field: str
) -> None:
    make_repo(http, alice, "net")
    response = push(alice, "alice/net", tensors_bytes(random_tensors(2, 4)), card=card)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(field)
    assert http.get("/api/models/alice/net").json()["refs"] == []


def test_sklearn_diffs_list_hyper_parameters_and_fitted_attributes(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    make_repo(http, alice, "tree")
    first = push(
        alice,
        "alice/tree",
        skops_bytes(DecisionTreeClassifier(max_depth=1).fit(X, Y)),
        "model.skops",
    )
    push(
        alice,
        "alice/tree",
        skops_bytes(DecisionTreeClassifier(max_depth=3).fit(X, Y)),
        "model.skops",
    )
    diff = http.get(
        "/api/models/alice/tree/diff", params={"a": first.json()["id"], "b": "main"}
    ).json()
    assert diff["format"] == "skops"
    assert diff["changed_parameters"] == {"max_depth": ["1", "3"]}
    assert "tree_" in diff["changed_attributes"] and "classes_" not in diff["changed_attributes"]


def test_a_voting_ensemble_of_hub_models(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    push(
        alice, "alice/clf", skops_bytes(LogisticRegression().fit(X, Y)), "model.skops", branch="lr"
    )
    push(
        alice,
        "alice/clf",
        skops_bytes(DecisionTreeClassifier().fit(X, Y)),
        "model.skops",
        branch="dt",
    )
    response = http.post(
        "/api/models/alice/clf/merges",
        json={"method": "voting", "sources": [{"ref": "lr"}, {"ref": "dt"}]},
        headers=alice.headers,
    )
    assert response.status_code == 202, response.text
    run_jobs()
    merge = http.get(f"/api/models/alice/clf/merges/{response.json()['id']}").json()
    assert merge["state"] == "done", merge["error"]
    commit = http.get("/api/models/alice/clf/commits/main").json()
    assert commit["card"]["model_type"] == "sklearn.ensemble._voting.VotingClassifier"
    assert len(commit["parents"]) == 2 and commit["card"]["merge"]["method"] == "voting"
    assert commit["onnx_export"]["state"] in ("ok", "unsupported")
    pulled = http.get("/api/models/alice/clf/files/model.skops")
    import skops.io as sio

    from mlhive.wire.models import SKOPS_TRUSTED_TYPES

    ensemble = sio.loads(pulled.content, trusted=sorted(SKOPS_TRUSTED_TYPES))
    assert np.mean(ensemble.predict(X) == Y) > 0.7
