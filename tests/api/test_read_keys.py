"""Read-only API keys: they read all their user may read and write nothing, on every face.

The write routes are taken from the checked-in route table (``tests/contract/route_table.py``),
which the route inventory keeps complete: a new write route is refused here automatically.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mlhive.server.db.engine import transaction
from mlhive.server.services import accounts
from mlhive.wire.accounts import KeyScope
from tests.api.conftest import CSV, Upload
from tests.conftest import UserKey
from tests.contract.route_table import ROUTES, Access
from tests.contract.test_route_inventory import concrete
from tests.shared_app import SharedApp, shared_app
from tests.web.conftest import sign_in

NOT_NATIVE = ("/api/v1/", "/api/v2/", "/data/v1/")
NATIVE_WRITES = sorted(
    route
    for route, kind in ROUTES.items()
    if kind in (Access.KEYED, Access.ADMIN)
    and not route.startswith("GET ")
    and route.partition(" ")[2].startswith("/api/")
    and not route.partition(" ")[2].startswith(NOT_NATIVE)
)
# Reads: every route anyone may call (v2's POST list calls too), and the keyed GETs (own account).
READS = sorted(
    route
    for route, kind in ROUTES.items()
    if (kind is Access.OPTIONAL or (kind is Access.KEYED and route.startswith("GET ")))
    and route.partition(" ")[2].startswith(("/api/", "/data/v1/"))
)
# Signing out ends the session a read-only key opened: the one form post it may make.
PAGE_WRITES = sorted(
    route for route, kind in ROUTES.items() if kind is Access.FORM and route != "POST /sign-out"
)


def read_key(app: FastAPI, user: UserKey) -> UserKey:
    """Another key of ``user``, of scope ``read``."""
    with transaction(app.state.hive.sessions) as session:
        owner = accounts.user_by_id(session, user.id)
        _, secret = accounts.issue_key(session, owner, "read", KeyScope.READ)
    return UserKey(user.id, user.name, secret)


def assert_read_only(response: httpx.Response) -> None:
    """The answer a read-only key gets for a write: 403, its code, and what to do instead."""
    assert response.status_code == 403, response.text
    problem = response.json()
    assert problem["code"] == "read_only_key", problem
    assert "scope 'read'" in problem["detail"] and "mlhive key create" in problem["detail"]


def test_a_read_key_reads_its_users_private_objects(
    app: FastAPI,
    http: TestClient,
    alice: UserKey,
    upload: Upload,
    run_jobs: Callable[[], int],
) -> None:
    dataset = upload(alice, visibility="private", name="secret-people").json()
    run_jobs()
    reader = read_key(app, alice)
    path = f"/api/datasets/{dataset['id']}"
    seen = http.get(path, headers=reader.headers)
    data = http.get(f"{path}/data", params={"format": "csv"}, headers=reader.headers)
    listed = http.get("/api/datasets", headers=reader.headers)
    me = http.get("/api/users/me", headers=reader.headers)
    assert seen.status_code == 200 and seen.json()["name"] == "secret-people"
    assert data.status_code == 200 and "Zürich" in data.text
    assert [item["id"] for item in listed.json()["items"]] == [dataset["id"]]
    assert http.get(path).status_code == 404  # the control: private to alice
    assert me.json()["name"] == alice.name and me.json()["key_scope"] == "read"
    assert http.get("/api/users/me", headers=alice.headers).json()["key_scope"] == "write"


def test_a_read_key_writes_nothing_even_with_a_valid_body(
    app: FastAPI,
    http: TestClient,
    alice: UserKey,
    upload: Upload,
    run_jobs: Callable[[], int],
) -> None:
    reader = read_key(app, alice)
    refused = http.post(
        "/api/datasets",
        files={"file": ("data.csv", CSV.encode())},
        data={"metadata": json.dumps({"name": "sneaky", "default_target_attribute": "label"})},
        headers=reader.headers,
    )
    assert_read_only(refused)
    assert upload(alice, name="allowed").status_code == 201  # the same upload, with a write key
    run_jobs()
    listed = http.get("/api/datasets", headers=alice.headers).json()["items"]
    assert [item["name"] for item in listed] == ["allowed"]


def test_keys_are_issued_with_a_scope_and_a_read_key_cannot_issue_one(
    http: TestClient, alice: UserKey
) -> None:
    issued = http.post(
        "/api/users/me/keys", json={"label": "dash", "scope": "read"}, headers=alice.headers
    )
    assert issued.status_code == 201, issued.text
    new = issued.json()
    assert new["key"]["scope"] == "read"
    reader = {"Authorization": f"Bearer {new['api_key']}"}
    escalation = http.post("/api/users/me/keys", json={"scope": "write"}, headers=reader)
    assert_read_only(escalation)
    scopes = [key["scope"] for key in http.get("/api/users/me/keys", headers=reader).json()]
    assert sorted(scopes) == ["read", "write"]  # the first key, and the read key; no third
    default = http.post("/api/users/me/keys", json={}, headers=alice.headers).json()
    assert default["key"]["scope"] == "write"
    wrong = http.post("/api/users/me/keys", json={"scope": "admin"}, headers=alice.headers)
    assert wrong.status_code == 422 and "scope" in wrong.text


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, database_template: str) -> Iterator[SharedApp]:
    """One application for the module's many requests."""
    with shared_app(tmp_path_factory.mktemp("read-keys") / "data", database_template) as shared:
        yield shared


@pytest.fixture(scope="module")
def boss_reader(served: SharedApp) -> UserKey:
    """A read key of an administrator: even an administrator's read key writes nothing."""
    return read_key(served.app, served.user("rk-boss", admin=True))


@pytest.fixture(scope="module")
def owner(served: SharedApp) -> tuple[UserKey, UserKey]:
    """A user with a private dataset (id 1), and a read key of theirs."""
    writer = served.user("rk-owner")
    uploaded = served.http.post(
        "/api/datasets",
        files={"file": ("data.csv", CSV.encode())},
        data={"metadata": json.dumps({"name": "mine", "visibility": "private"})},
        headers=writer.headers,
    )
    assert uploaded.status_code == 201 and uploaded.json()["id"] == 1, uploaded.text
    served.hive.worker.drain()
    return writer, read_key(served.app, writer)


@pytest.mark.parametrize("route", READS)
def test_every_read_answers_a_read_key_as_it_answers_a_write_key(
    served: SharedApp, owner: tuple[UserKey, UserKey], route: str
) -> None:
    writer, reader = owner
    method, _, path = route.partition(" ")
    openml = path.startswith(("/api/v1/", "/api/v2/", "/data/v1/"))
    body = {"json": {}} if method == "POST" else {}

    def get(user: UserKey) -> httpx.Response:
        if openml:
            params = {"api_key": user.key}
            return served.http.request(method, concrete(path), params=params, **body)
        return served.http.request(method, concrete(path), headers=user.headers, **body)

    as_writer, as_reader = get(writer), get(reader)
    assert as_reader.status_code == as_writer.status_code, as_reader.text
    assert "read_only_key" not in as_reader.text and "read-only account" not in as_reader.text


@pytest.mark.parametrize("route", NATIVE_WRITES)
def test_every_native_write_refuses_a_read_key(
    served: SharedApp, boss_reader: UserKey, route: str
) -> None:
    method, _, path = route.partition(" ")
    answer = served.http.request(method, concrete(path), headers=boss_reader.headers, json={})
    assert_read_only(answer)


@pytest.mark.parametrize("route", PAGE_WRITES)
def test_every_page_form_refuses_a_read_only_session(
    served: SharedApp, boss_reader: UserKey, route: str
) -> None:
    method, _, path = route.partition(" ")
    with TestClient(served.app) as browser:
        sign_in(browser, boss_reader)
        home = browser.get("/")
        token = home.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        answer = browser.request(method, concrete(path), data={"csrf": token, "tag": "t"})
    assert "read-only" in home.text  # the header says what kind of session this is
    assert answer.status_code == 403, answer.text
    assert "scope &#39;read&#39;" in answer.text or "scope 'read'" in answer.text


def test_a_read_only_session_reads_private_pages_and_signs_out(
    served: SharedApp, boss_reader: UserKey
) -> None:
    with TestClient(served.app) as browser:
        sign_in(browser, boss_reader)
        token = browser.get("/").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        profile = browser.get(f"/people/{boss_reader.name}")
        out = browser.post("/sign-out", data={"csrf": token}, follow_redirects=False)
        after = browser.get("/")
    assert profile.status_code == 200 and "Sign out" in profile.text
    assert out.status_code == 303
    assert "Sign out" not in after.text
