"""A background job is as private as the object it works on."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.jobs import Job
from mlhive.server.wiring import Hive
from tests.api.conftest import Upload
from tests.api.forge import Push, make_repo, random_tensors, skops_bytes, tensors_bytes
from tests.conftest import UserKey


def _statuses(http: TestClient, path: str, *users: UserKey | None) -> list[int]:
    return [http.get(path, headers=u.headers if u else {}).status_code for u in users]


def test_a_private_datasets_job_is_hidden_from_others(
    http: TestClient, upload: Upload, alice: UserKey, bob: UserKey, admin: UserKey
) -> None:
    secret = upload(alice, visibility="private", content="a,label\n1,x\n2,y\n").json()
    path = f"/api/jobs/{secret['job_id']}"
    assert _statuses(http, path, None, bob, alice, admin) == [404, 404, 200, 200]
    hidden = http.get(path, headers=bob.headers).json()
    assert hidden["code"] == "not_found" and "dataset" not in hidden["detail"]
    assert http.get(path, headers=alice.headers).json()["subject"] == f"dataset:{secret['id']}"

    public = upload(alice).json()
    assert _statuses(http, f"/api/jobs/{public['job_id']}", None, bob) == [200, 200]


def test_the_export_job_of_a_private_models_commit_is_hidden(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, push: Push
) -> None:
    from sklearn.linear_model import LinearRegression

    make_repo(http, alice, "secret", visibility="private")
    model = LinearRegression().fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
    assert push(alice, "alice/secret", skops_bytes(model), "model.skops").status_code == 201
    make_repo(http, alice, "open")
    assert push(alice, "alice/open", tensors_bytes(random_tensors(1, 4))).status_code == 201
    with transaction(hive.sessions) as session:
        (job_id,) = session.scalars(select(Job.id).where(Job.subject.like("model_commit:%")))
    path = f"/api/jobs/{job_id}"
    assert _statuses(http, path, None, bob, alice) == [404, 404, 200]
