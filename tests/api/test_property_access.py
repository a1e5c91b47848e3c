"""Property-level authorisation: fields only some actors may see, and fields no client may set.

Hidden fields are checked on every face that shows them; settable-by-the-server-only fields
(owner, id, dates, status, roles) are refused with a 422 that names the field, and nothing is
made or changed by the refused request. The OpenML face follows OpenML, whose upload
documents may carry such fields; there the server's values must win.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.access_world import World, build_world
from tests.shared_app import shared_app

OML = "{http://openml.org/openml}"
SECRET_ROOT = "a-machine-path-outsiders-must-not-see"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, database_template: str) -> Iterator[World]:
    """The access matrix's objects (all owned by ``owner``), made once for the module."""
    data_dir = tmp_path_factory.mktemp(SECRET_ROOT) / "data"
    with shared_app(data_dir, database_template) as shared:
        built = build_world(shared)
        yield built
        for browser in built.browsers.values():
            browser.close()


# --- fields only some actors may see -------------------------------------------------------


def _profile_role(world: World, actor: str) -> bool:
    body = world.shared.http.get("/api/users/root", headers=world.headers(actor)).json()
    assert body["name"] == "root"
    return "is_admin" in body


def _profile_page_role(world: World, actor: str) -> bool:
    body = world.shared.http.get("/api/users/root/profile", headers=world.headers(actor)).json()
    assert body["name"] == "root"
    return body["is_admin"] is not None


def _page_role(world: World, actor: str) -> bool:
    page = world.browsers[actor].get("/people/root")
    assert page.status_code == 200
    return "administrator" in page.text


def _openml_role(world: World, actor: str) -> bool:
    root = world.keys["admin"]
    assert root is not None
    url = f"/api/v1/xml/user/list/user_id/{root.id}"
    listing = world.shared.http.get(url, params=world.api_key(actor))
    assert listing.status_code == 200 and "root" in listing.text, listing.text
    return "admin" in listing.text.replace("root", "")


def _storage_path(world: World, actor: str) -> bool:
    health = world.shared.http.get("/api/health", headers=world.headers(actor)).json()
    return SECRET_ROOT in health["storage"]


def _paths_in_descriptions(world: World, actor: str) -> bool:
    """Where the blobs lie is shown in no object's description, to anyone."""
    objects = world.objects["public"]
    answers = [
        world.shared.http.get(f"/api/datasets/{objects['dataset']}", headers=world.headers(actor)),
        world.shared.http.get(f"/api/runs/{objects['run']}", headers=world.headers(actor)),
        world.shared.http.get(f"/api/models/{objects['repo']}", headers=world.headers(actor)),
        world.shared.http.get(f"/api/jobs/{objects['job']}", headers=world.headers(actor)),
        world.shared.http.get(
            f"/api/v1/xml/data/{objects['dataset']}", params=world.api_key(actor)
        ),
    ]
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    return any(SECRET_ROOT in a.text for a in answers)


def _someone_elses_keys(world: World, actor: str) -> bool:
    """The key listing shows the caller's own keys only, never a secret."""
    keys = world.shared.http.get("/api/users/me/keys", headers=world.headers(actor))
    assert keys.status_code == 200
    owner = world.keys["owner"]
    assert owner is not None
    listed = {key["prefix"] for key in keys.json()}
    assert owner.key not in keys.text
    return owner.key[:12] in listed


def _private_reference(world: World, actor: str) -> bool:
    """A public thread naming the private dataset links it only for those who may see it."""
    public, private = world.objects["public"], world.objects["private"]
    owner = world.keys["owner"]
    assert owner is not None
    opened = world.shared.http.post(
        f"/api/datasets/{public['dataset']}/discussions",
        json={"title": "see also", "body": f"dataset:{private['dataset']}"},
        headers=owner.headers,
    )
    assert opened.status_code == 201, opened.text
    thread = world.shared.http.get(
        f"/api/discussions/{opened.json()['id']}", headers=world.headers(actor)
    ).json()
    return bool(thread["thread"][0]["references"])


@dataclass(frozen=True)
class Hidden:
    """A field and the actors (besides whoever the table says) who may see it."""

    what: str
    shows: Callable[[World, str], bool]
    seen_by: frozenset[str]
    actors: tuple[str, ...] = ("anonymous", "owner", "other", "admin")


HIDDEN = (
    Hidden("is_admin on a profile (API)", _profile_role, frozenset({"admin"})),
    Hidden("is_admin on a profile (API, /profile)", _profile_page_role, frozenset({"admin"})),
    Hidden("administrator badge (page)", _page_role, frozenset({"admin"})),
    Hidden("administrator role (OpenML user list)", _openml_role, frozenset()),
    Hidden("storage location in /api/health", _storage_path, frozenset({"admin"})),
    Hidden("storage location in descriptions", _paths_in_descriptions, frozenset()),
    Hidden(
        "a private object referenced in a public thread",
        _private_reference,
        frozenset({"owner", "admin"}),
    ),
    Hidden(
        "another user's key ids",
        _someone_elses_keys,
        frozenset({"owner"}),
        actors=("owner", "other", "admin"),
    ),
)


@pytest.mark.parametrize(
    ("hidden", "actor"),
    [pytest.param(h, a, id=f"{h.what}-{a}") for h in HIDDEN for a in h.actors],
)
def test_a_field_is_shown_exactly_to_those_who_may_see_it(
    world: World, hidden: Hidden, actor: str
) -> None:
    assert hidden.shows(world, actor) == (actor in hidden.seen_by)


# --- fields no client may set ----------------------------------------------------------------

Send = Callable[[World, dict[str, Any]], httpx.Response]


def _json(method: str, path: str, base: dict[str, Any], actor: str = "owner") -> Send:
    def send(world: World, forged: dict[str, Any]) -> httpx.Response:
        url = path.format(**world.objects["public"].ids)
        body = {
            k: v.format(**world.objects["public"].ids) if isinstance(v, str) else v
            for k, v in base.items()
        }
        return world.shared.http.request(
            method, url, json={**body, **forged}, headers=world.headers(actor)
        )

    return send


def _dataset(world: World, forged: dict[str, Any]) -> httpx.Response:
    meta = {"name": "forged", "default_target_attribute": "label", **forged}
    return world.shared.http.post(
        "/api/datasets",
        files={"file": ("d.csv", b"a,label\n1,x\n2,y\n")},
        data={"metadata": json.dumps(meta)},
        headers=world.headers("owner"),
    )


def _run(world: World, forged: dict[str, Any]) -> httpx.Response:
    objects = world.objects["public"]
    description = {"task_id": objects["task"], "flow_id": objects["flow"], **forged}
    return world.shared.http.post(
        "/api/runs",
        data={"description": json.dumps(description)},
        files={"predictions": ("p.parquet", b"not read: the description is refused first")},
        headers=world.headers("owner"),
    )


def _commit(world: World, forged: dict[str, Any]) -> httpx.Response:
    return world.shared.http.post(
        f"/api/models/{world.objects['public']['repo']}/commits",
        files={"file": ("model.safetensors", b"not read: the metadata is refused first")},
        data={"metadata": json.dumps({"message": "forged", **forged})},
        headers=world.headers("owner"),
    )


TASK = {
    "task_type": "supervised_classification",
    "dataset_id": "{dataset}",
    "estimation_procedure_id": 2,
}
SENDS: dict[str, Send] = {
    "dataset upload": _dataset,
    "dataset edit": _json("PATCH", "/api/datasets/{dataset}", {"description": "x"}),
    "task": _json("POST", "/api/tasks", TASK),
    "flow": _json("POST", "/api/flows", {"name": "forged.Flow", "external_version": "1"}),
    "run": _run,
    "suite": _json("POST", "/api/suites", {"name": "forged suite", "task_ids": []}),
    "study": _json("POST", "/api/studies", {"name": "forged study", "run_ids": []}),
    "model repository": _json("POST", "/api/models", {"name": "forged"}),
    "repository edit": _json("PATCH", "/api/models/{repo}", {"description": "x"}),
    "commit": _commit,
    "model checks": _json("PUT", "/api/models/{repo}/checks", {"degenerate": True}),
    "merge request": _json(
        "POST", "/api/models/{repo}/merge-requests", {"source_branch": "feature", "title": "forged"}
    ),
    "comment": _json(
        "POST", "/api/models/{repo}/merge-requests/{request}/comments", {"body": "forged"}
    ),
    "discussion": _json(
        "POST", "/api/datasets/{dataset}/discussions", {"title": "forged", "body": "x"}
    ),
    "discussion reply": _json("POST", "/api/discussions/{thread}/replies", {"body": "forged"}),
    "user (by an admin)": _json("POST", "/api/users", {"name": "forged"}, actor="admin"),
    "api key": _json("POST", "/api/users/me/keys", {"label": "forged"}),
    "profile edit": _json("PATCH", "/api/users/owner/profile", {"affiliation": "x"}),
    "open call": _json("POST", "/api/calls", {"subject": "dataset:{dataset}", "title": "forged"}),
    "call response": _json(
        "POST", "/api/calls/{call}/responses", {"kind": "answer", "message": "x"}, actor="other"
    ),
}
# What the server decides, by the writes that might be tempted to take it from the client.
SERVER_SET: dict[str, tuple[str, ...]] = {
    "dataset upload": (
        "id",
        "owner",
        "uploader",
        "upload_date",
        "created_at",
        "status",
        "version",
        "data_sha256",
        "job_id",
    ),
    "dataset edit": ("id", "owner", "uploader", "status", "version", "created_at"),
    "task": ("id", "owner", "creator", "created_at", "class_labels"),
    "flow": ("id", "owner", "uploader", "upload_date", "created_at"),
    "run": ("id", "owner", "uploader", "created_at", "evaluations", "setup_id"),
    "suite": ("id", "owner", "creator", "created_at", "status"),
    "study": ("id", "owner", "creator", "created_at", "status"),
    "model repository": ("id", "owner", "full_name", "created_at"),
    "repository edit": ("id", "owner", "name", "full_name", "created_at"),
    "commit": ("id", "author", "parents", "created_at", "files"),
    "model checks": ("repo", "revision", "checks", "updated_at"),
    "merge request": ("number", "author", "state", "mergeable", "evaluation_state"),
    "comment": ("id", "author", "created_at"),
    "discussion": ("id", "author", "state", "pinned", "locked", "created_at", "subject"),
    "discussion reply": ("id", "author", "created_at", "edited_at", "mentions"),
    "user (by an admin)": ("id", "created_at", "api_key"),
    "api key": ("id", "user_id", "prefix", "created_at", "revoked_at"),
    "profile edit": ("name", "kind", "created_at", "contributions", "is_admin"),
    "open call": ("id", "author", "state", "created_at", "collaborators", "responses"),
    "call response": ("id", "user", "call_id", "state", "created_at", "decided_at"),
}
FORGED_VALUE = {
    "owner": "root",
    "uploader": "root",
    "author": "root",
    "creator": "root",
    "status": "active",
    "state": "merged",
    "mergeable": True,
    "user_id": 1,
    "created_at": "2000-01-01T00:00:00Z",
    "upload_date": "2000-01-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("write", "field"),
    [pytest.param(w, f, id=f"{w}-{f}") for w, fields in SERVER_SET.items() for f in fields],
)
def test_a_field_the_server_sets_is_refused_naming_it(world: World, write: str, field: str) -> None:
    value = FORGED_VALUE.get(field, 999)
    response = SENDS[write](world, {field: value})
    assert response.status_code == 422, response.text
    problem = response.json()
    named = [str(e.get("field", e.get("loc"))) for e in problem.get("errors", [])]
    assert field in problem["detail"] or any(field in n for n in named), problem


def test_each_write_in_the_table_succeeds_without_the_forged_field(world: World) -> None:
    """The positive control: the refusals above are the forged field's, not the body's."""
    accepted = {}
    for write, send in SENDS.items():
        if write in ("run", "commit"):  # their placeholder files are refused, by design
            continue
        accepted[write] = send(world, {}).status_code
    assert all(status in (200, 201) for status in accepted.values()), accepted


def test_a_plain_user_cannot_make_an_administrator(world: World) -> None:
    http = world.shared.http
    refused = http.post(
        "/api/users", json={"name": "uprising", "is_admin": True}, headers=world.headers("other")
    )
    assert refused.status_code == 403
    assert http.get("/api/users/uprising").status_code == 404
    me = http.get("/api/users/me", headers=world.headers("other")).json()
    assert me["is_admin"] is False


def _oml_upload(world: World, extra: str) -> int:
    description = (
        '<oml:data_set_description xmlns:oml="http://openml.org/openml">'
        "<oml:name>forged-face</oml:name><oml:format>ARFF</oml:format>"
        f"<oml:default_target_attribute>label</oml:default_target_attribute>{extra}"
        "</oml:data_set_description>"
    )
    arff = "@RELATION r\n@ATTRIBUTE a NUMERIC\n@ATTRIBUTE label {x,y}\n@DATA\n1,x\n2,y\n"
    owner = world.keys["owner"]
    assert owner is not None
    response = world.shared.http.post(
        "/api/v1/xml/data",
        data={"api_key": owner.key},
        files={"description": ("description", description), "dataset": ("dataset", arff)},
    )
    assert response.status_code == 200, response.text
    return int(ET.fromstring(response.content).findtext(f"{OML}id") or 0)


def test_the_openml_face_keeps_the_servers_values_over_forged_ones(world: World) -> None:
    """OpenML's upload document has elements for server-set fields; they do not take effect."""
    plain = _oml_upload(world, "")
    forged = _oml_upload(
        world,
        "<oml:id>1</oml:id><oml:uploader>1</oml:uploader><oml:status>deactivated</oml:status>"
        "<oml:upload_date>2000-01-01T00:00:00</oml:upload_date><oml:version>77</oml:version>",
    )
    http = world.shared.http
    want = http.get(f"/api/datasets/{plain}", headers=world.headers("owner")).json()
    got = http.get(f"/api/datasets/{forged}", headers=world.headers("owner")).json()
    assert forged not in (1, plain)
    assert got["uploader"] == want["uploader"] == "owner"
    assert got["status"] == want["status"] and got["version"] != 77
    assert not str(got.get("upload_date", got.get("created_at"))).startswith("2000")
