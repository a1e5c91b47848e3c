"""The objects the access matrix probes: one of each kind, public and private owned by one
user, and private ones owned by a team that user administers, made once per module over the
real API (as a client would make them).

The team ``crew``: ``owner`` created it (admin), ``member`` writes, ``reader`` reads, and
``leaver`` was a writer who left once the objects existed (having seen them before leaving).

Each visibility's dataset has an open call (write access) whose volunteer ``collaborator`` the
owner accepted: the collaborator sees and changes that dataset, and nothing else of the
owner's or the team's."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.social import OpenCallResponse
from tests.api.experiments import (
    CLASSIFICATION_CSV,
    LABELS,
    classification_predictions,
    create_task,
    submit_run,
    upload_flow,
)
from tests.api.forge import skops_bytes, tensors_bytes
from tests.api.serving import classifier
from tests.conftest import UserKey
from tests.shared_app import SharedApp
from tests.web.conftest import sign_in

ACTORS = ("anonymous", "owner", "other", "admin", "member", "reader", "leaver", "collaborator")
# "team": private objects owned by the team (the others are the owner's own)
VISIBILITIES = ("public", "private", "team")
TEAM = "crew"
TEAM_ROLES = {"member": "write", "reader": "read", "leaver": "write"}


@dataclass
class Objects:
    """The ids (and names) of one visibility's objects."""

    visibility: str
    ids: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.ids[key]


@dataclass
class World:
    """The shared application, the actors (key, signed-in browser) and the objects."""

    shared: SharedApp
    keys: dict[str, UserKey | None]
    browsers: dict[str, TestClient]
    objects: dict[str, Objects]

    def headers(self, actor: str) -> dict[str, str]:
        """The actor's ``Authorization`` header (none for ``anonymous``)."""
        key = self.keys[actor]
        return key.headers if key else {}

    def api_key(self, actor: str) -> dict[str, str]:
        """The actor's OpenML ``api_key`` parameter (none for ``anonymous``)."""
        key = self.keys[actor]
        return {"api_key": key.key} if key else {}


def _ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201)), response.text
    return response.json()


def _made(label: str) -> dict[str, str]:
    """What a create carries for the objects of ``label``: the team's are private and owned by
    it, the others the owner's own."""
    if label == "team":
        return {"visibility": "private", "owner": TEAM}
    return {"visibility": label}


def _namespace(owner: UserKey, label: str) -> str:
    return TEAM if label == "team" else owner.name


def _dataset(http: TestClient, owner: UserKey, visibility: str) -> tuple[int, int]:
    meta = {"name": f"matrix-{visibility}", "default_target_attribute": "label"}
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", CLASSIFICATION_CSV.encode())},
        data={"metadata": json.dumps({**meta, **_made(visibility)})},
        headers=owner.headers,
    )
    body = _ok(created, 201)
    return int(body["id"]), int(body["job_id"])


def _forge(http: TestClient, owner: UserKey, visibility: str) -> dict[str, Any]:
    name = f"net-{visibility}"
    repo = f"{_namespace(owner, visibility)}/{name}"
    _ok(
        http.post("/api/models", json={"name": name, **_made(visibility)}, headers=owner.headers),
        201,
    )
    weights = tensors_bytes({"w": np.arange(4, dtype=np.float32)})
    pushed = http.post(
        f"/api/models/{repo}/commits",
        files={"file": ("model.safetensors", weights)},
        data={"metadata": json.dumps({"message": "first"})},
        headers=owner.headers,
    )
    sha = _ok(pushed, 201)["id"]
    _ok(
        http.post(
            f"/api/models/{repo}/branches",
            json={"name": "feature", "ref": sha},
            headers=owner.headers,
        ),
        201,
    )
    better = tensors_bytes({"w": np.ones(4, dtype=np.float32)})
    http.post(
        f"/api/models/{repo}/commits",
        files={"file": ("model.safetensors", better)},
        data={"metadata": json.dumps({"message": "second", "branch": "feature"})},
        headers=owner.headers,
    )
    request = http.post(
        f"/api/models/{repo}/merge-requests",
        json={"source_branch": "feature", "title": "better weights"},
        headers=owner.headers,
    )
    number = _ok(request, 201)["number"]
    checks = {"onnx_parity": True}
    _ok(http.put(f"/api/models/{repo}/checks", json=checks, headers=owner.headers), 200)
    owned_by = _namespace(owner, visibility)
    return {"repo": repo, "owner": owned_by, "name": name, "commit": sha, "request": number}


def _serving(http: TestClient, owner: UserKey, visibility: str) -> dict[str, Any]:
    """A scikit-learn repository with @production set, and a deployment following it."""
    name = f"serve-{visibility}"
    repo = f"{_namespace(owner, visibility)}/{name}"
    body = {"name": name, **_made(visibility)}
    _ok(http.post("/api/models", json=body, headers=owner.headers), 201)
    pushed = http.post(
        f"/api/models/{repo}/commits",
        files={"file": ("model.skops", skops_bytes(classifier()))},
        data={"metadata": json.dumps({"message": "servable"})},
        headers=owner.headers,
    )
    sha = _ok(pushed, 201)["id"]
    alias = http.post(
        f"/api/models/{repo}/aliases/production", json={"commit": sha}, headers=owner.headers
    )
    _ok(alias, 200)
    deployment = f"deploy-{visibility}"
    spec = {"name": deployment, "repo": repo, "alias": "production", **_made(visibility)}
    _ok(http.post("/api/deployments", json=spec, headers=owner.headers), 201)
    return {
        "serve_repo": repo,
        "serve_commit": sha,
        "alias": "production",
        "deployment": deployment,
    }


def _retraining(
    http: TestClient, owner: UserKey, visibility: str, task: int, predictions: Any
) -> dict[str, Any]:
    """A scikit-learn repository whose head records its pipeline (a run of a real flow), and
    a retraining policy following the world's dataset."""
    from sklearn.linear_model import LogisticRegression

    from mlhive.sklearn import estimator_to_flow

    flow = http.post(
        "/api/flows",
        json=estimator_to_flow(LogisticRegression()).model_dump(mode="json"),
        headers=owner.headers,
    )
    run = _ok(submit_run(http, owner, task, _ok(flow)["id"], predictions), 201)
    name = f"retrain-{visibility}"
    repo = f"{_namespace(owner, visibility)}/{name}"
    body = {"name": name, **_made(visibility)}
    _ok(http.post("/api/models", json=body, headers=owner.headers), 201)
    metadata = {"message": "refittable", "card": {"lineage": {"run_id": run["id"]}}}
    pushed = http.post(
        f"/api/models/{repo}/commits",
        files={"file": ("model.skops", skops_bytes(classifier()))},
        data={"metadata": json.dumps(metadata)},
        headers=owner.headers,
    )
    _ok(pushed, 201)
    policy = {"dataset": f"matrix-{visibility}"}
    _ok(http.put(f"/api/models/{repo}/retraining", json=policy, headers=owner.headers), 200)
    return {"retrain_repo": repo}


def _objects(shared: SharedApp, owner: UserKey, visibility: str, flow: int) -> Objects:
    http = shared.http
    dataset, job = _dataset(http, owner, visibility)
    shared.hive.worker.drain()
    task = create_task(http, owner, dataset, "supervised_classification", 1)
    folds = http.get(f"/api/tasks/{task['id']}/splits", headers=owner.headers)
    assert folds.status_code == 200, folds.text
    table = pq.read_table(io.BytesIO(folds.content))
    predictions = classification_predictions(table, task["class_labels"], LABELS)
    run = _ok(submit_run(http, owner, task["id"], flow, predictions), 201)
    suite = _ok(
        http.post(
            "/api/suites",
            json={
                "name": f"suite-{visibility}",
                "task_ids": [task["id"]],
                **_made(visibility),
            },
            headers=owner.headers,
        ),
        201,
    )
    study = _ok(
        http.post(
            "/api/studies",
            json={"name": f"study-{visibility}", "run_ids": [run["id"]], **_made(visibility)},
            headers=owner.headers,
        ),
        201,
    )
    ids: dict[str, Any] = {
        "dataset": dataset,
        "dataset_name": f"matrix-{visibility}",
        "job": job,
        "task": task["id"],
        "flow": flow,
        "run": run["id"],
        "suite": suite["id"],
        "study": study["id"],
    }
    ids |= _forge(http, owner, visibility)
    thread = _ok(
        http.post(
            f"/api/datasets/{dataset}/discussions",
            json={"title": f"thread-{visibility}", "body": "first"},
            headers=owner.headers,
        ),
        201,
    )
    ids |= {
        "thread": thread["id"],
        "thread_title": thread["title"],
        "post": thread["thread"][0]["id"],
    }
    ids |= _serving(http, owner, visibility)
    ids |= _retraining(http, owner, visibility, task["id"], predictions)
    again = _ok(submit_run(http, owner, task["id"], flow, predictions), 201)
    shared.hive.worker.drain()
    linked = http.post(
        f"/api/runs/{run['id']}/reproductions", json={"run_id": again["id"]}, headers=owner.headers
    )
    ids["reproduction"] = _ok(linked, 202)["id"]
    return Objects(visibility, ids)


def _team(http: TestClient, owner: UserKey, keys: dict[str, UserKey | None]) -> None:
    """The team, with ``owner`` its admin and each of :data:`TEAM_ROLES` invited and in."""
    _ok(http.post("/api/teams", json={"name": TEAM}, headers=owner.headers), 201)
    for actor, role in TEAM_ROLES.items():
        member = keys[actor]
        assert member is not None
        invited = http.post(
            f"/api/teams/{TEAM}/invitations",
            json={"user": member.name, "role": role},
            headers=owner.headers,
        )
        token = _ok(invited, 201)["token"]
        accepted = http.post(f"/api/invitations/{token}/accept", headers=member.headers)
        assert _ok(accepted, 200)["state"] == "accepted"


def _call(shared: SharedApp, owner: UserKey, collaborator: UserKey, objects: Objects) -> None:
    """An open call on the dataset, and ``collaborator`` accepted through it (write).

    A call on a private object is seen only by those who see the object, so ``collaborator``
    cannot answer the private ones: their response is recorded directly, as one given while
    they could see the object (a team's read member, or a repository made private later);
    the owner accepts it over the API like any other."""
    http = shared.http
    body = {
        "subject": f"dataset:{objects['dataset']}",
        "title": f"call-{objects.visibility}",
        "skills": ["feature engineering"],
        "access": "write",
    }
    call = _ok(http.post("/api/calls", json=body, headers=owner.headers), 201)
    objects.ids |= {"call": call["id"], "call_title": call["title"]}
    offer = {"kind": "volunteer", "message": "count me in"}
    sent = http.post(f"/api/calls/{call['id']}/responses", json=offer, headers=collaborator.headers)
    if objects.visibility == "public":
        response_id = _ok(sent, 201)["id"]
    else:
        assert sent.status_code == 404, sent.text
        with transaction(shared.hive.sessions) as session:
            row = OpenCallResponse(
                call_id=call["id"], user_id=collaborator.id, kind="volunteer", message="in"
            )
            session.add(row)
            session.flush()
            response_id = row.id
    accept = f"/api/calls/{call['id']}/responses/{response_id}/accept"
    _ok(http.post(accept, headers=owner.headers), 200)


def _leave(shared: SharedApp, leaver: UserKey, browser: TestClient, objects: Objects) -> None:
    """``leaver`` sees the team's private dataset (by key and on its page), then leaves."""
    http = shared.http
    dataset = f"/api/datasets/{objects['dataset']}"
    assert http.get(dataset, headers=leaver.headers).status_code == 200
    assert objects["dataset_name"] in browser.get(f"/datasets/{objects['dataset']}").text
    left = http.delete(f"/api/teams/{TEAM}/members/{leaver.name}", headers=leaver.headers)
    assert leaver.name not in {m["name"] for m in _ok(left, 200)["members"]}


def build_world(shared: SharedApp) -> World:
    """Users, the team, signed-in browsers, the public and private objects of ``owner`` and
    the private objects of the team."""
    keys: dict[str, UserKey | None] = {"anonymous": None}
    for actor in ACTORS[1:]:
        keys[actor] = shared.user("root" if actor == "admin" else actor, admin=actor == "admin")
    owner, leaver = keys["owner"], keys["leaver"]
    assert owner is not None and leaver is not None
    _team(shared.http, owner, keys)
    flow = upload_flow(shared.http, owner)["id"]
    objects = {v: _objects(shared, owner, v, flow) for v in VISIBILITIES}
    collaborator = keys["collaborator"]
    assert collaborator is not None
    for made in objects.values():
        _call(shared, owner, collaborator, made)
    browsers = {}
    for actor, key in keys.items():
        browser = TestClient(shared.app)
        browsers[actor] = sign_in(browser, key) if key else browser
    _leave(shared, leaver, browsers["leaver"], objects["team"])
    return World(shared, keys, browsers, objects)
