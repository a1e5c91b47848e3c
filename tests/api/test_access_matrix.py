"""The object-level access matrix: every kind of object, public and private, probed by every
kind of actor with every verb over every face, against one rule: a private object is seen by
its owner and administrators only, and changed by its owner and administrators only; a team's
private object is seen by its members too (any role) and changed by its write members (not by
``read`` ones, nor by a member who left: they are refused like any other user). A
collaborator accepted through an open call on the dataset (write) sees and changes that
dataset (and what is gated by it alone: its job, its discussions, its calls), and nothing else.

Each row of :data:`PROBES` is one (object, face, verb) and knows how to ask and how to tell,
from the answer, whether the object was revealed. The owner's and the administrator's cells
are the positive control: the same probe must find the object, so a probe that can never
see anything fails instead of passing.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.api.access_world import (
    ACTORS,
    TEAM_ROLES,
    VISIBILITIES,
    Objects,
    World,
    build_world,
)
from tests.shared_app import shared_app
from tests.web.conftest import CSRF

OML = "{http://openml.org/openml}"
Ask = Callable[[World, str, Objects], httpx.Response]
Seen = Callable[[httpx.Response, Objects], bool]
FACES = ("api", "openml", "page", "download")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, database_template: str) -> Iterator[World]:
    """The objects of every kind, public and private, made once for the module."""
    with shared_app(tmp_path_factory.mktemp("matrix") / "data", database_template) as shared:
        built = build_world(shared)
        yield built
        for browser in built.browsers.values():
            browser.close()


@dataclass(frozen=True)
class Probe:
    """One (object, face, verb): how to ask, and whether the answer revealed the object.

    ``others_may_write``: any signed-in user may do this write to an object they can see
    (tags, comments), as on OpenML; otherwise only the owner and administrators may.
    ``author_only``: a write only the author (and administrators) may make, even to a team's
    object (editing one's own post).
    """

    kind: str
    face: str
    verb: str
    ask: Ask
    seen: Seen
    has_private: bool = True
    others_may_write: bool = False
    author_only: bool = False

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.verb}-{getattr(self.ask, 'where', self.face)}"


# --- how to ask -----------------------------------------------------------------------------


def api(method: str, path: str, **body: object) -> Ask:
    """A native API call (``{name}`` fields of ``path`` filled from the objects)."""

    def ask(world: World, actor: str, objects: Objects) -> httpx.Response:
        url = path.format(**objects.ids, actor=actor)
        filled = {k: str(v).format(**objects.ids, actor=actor) for k, v in body.items()}
        return world.shared.http.request(
            method, url, headers=world.headers(actor), json=filled or None
        )

    ask.where = f"{method} {path}"  # type: ignore[attr-defined]
    return ask


def oml(method: str, path: str, **form: str) -> Ask:
    """An OpenML-face call: the key as ``api_key`` (query for GET, form field for POST)."""

    def ask(world: World, actor: str, objects: Objects) -> httpx.Response:
        url = path.format(**objects.ids)
        key = world.api_key(actor)
        if method == "GET":
            return world.shared.http.get(url, params=key)
        fields = {k: v.format(**objects.ids, actor=actor) for k, v in form.items()}
        return world.shared.http.post(url, data={**fields, **key})

    ask.where = f"{method} {path}"  # type: ignore[attr-defined]
    return ask


def page(path: str, **form: str) -> Ask:
    """A page (GET) or, with ``form`` fields, a page's form action posted with its token."""

    def ask(world: World, actor: str, objects: Objects) -> httpx.Response:
        browser = world.browsers[actor]
        url = path.format(**objects.ids)
        if not form:
            return browser.get(url)
        token = CSRF.search(browser.get("/").text)
        fields = {k: v.format(actor=actor) for k, v in form.items()}
        data = {**fields, "csrf": token.group(1) if token else ""}
        return browser.post(url, data=data, follow_redirects=False)

    ask.where = f"{'POST' if form else 'GET'} {path}"  # type: ignore[attr-defined]
    return ask


def predict_call(route: str) -> Ask:
    """A call of the deployment (``predict`` or MLflow's ``invocations``) with one row."""
    row = {"x1": 1.0, "x2": 2.0}
    body = {"rows": [row]} if route == "predict" else {"dataframe_records": [row]}

    def ask(world: World, actor: str, objects: Objects) -> httpx.Response:
        url = f"/api/deployments/{objects['deployment']}/{route}"
        return world.shared.http.post(url, json=body, headers=world.headers(actor))

    ask.where = f"POST /api/deployments/{{deployment}}/{route}"  # type: ignore[attr-defined]
    return ask


def open_upload() -> Ask:
    """Open an upload session for a push to the repository's main branch (one tiny tensor)."""
    header = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    piece = hashlib.sha256(b"\x00\x00\x80?").hexdigest()
    body = {"size": 8 + len(header) + 4, "header": header, "chunks": [{"sha256": piece, "size": 4}]}

    def ask(world: World, actor: str, objects: Objects) -> httpx.Response:
        url = f"/api/models/{objects['repo']}/uploads"
        return world.shared.http.post(url, json=body, headers=world.headers(actor))

    ask.where = "POST /api/models/{repo}/uploads"  # type: ignore[attr-defined]
    return ask


# --- how to tell whether the object was revealed --------------------------------------------


def queued(response: httpx.Response, _: Objects) -> bool:
    """Accepted for the worker (202)."""
    return response.status_code == 202


def ok(response: httpx.Response, _: Objects) -> bool:
    """A successful answer (downloads, writes)."""
    return response.status_code in (200, 201, 303)


def has(field: str, key: str | None = None) -> Seen:
    """A JSON answer whose ``field`` is the object's ``key`` (``field`` by default)."""
    return lambda r, o: r.status_code == 200 and r.json().get(field) == o[key or field]


def lists(key: str, field: str = "id") -> Seen:
    """A JSON list (or a page of one under ``items``/``data``) holding the object."""

    def seen(response: httpx.Response, objects: Objects) -> bool:
        if response.status_code == 404:  # a listing inside an object the caller may not see
            return False
        assert response.status_code == 200, response.text
        body = response.json()
        items = body if isinstance(body, list) else body.get("items", body.get("data", []))
        return objects[key] in {item[field] for item in items}

    return seen


def answered_by(key: str) -> Seen:
    """A prediction answered by the object's commit."""
    return lambda r, o: r.status_code == 200 and r.json().get("commit") == o[key]


def oml_has(tag: str, key: str) -> Seen:
    """An OpenML document naming the object in ``oml:<tag>`` (a listing or the object)."""

    def seen(response: httpx.Response, objects: Objects) -> bool:
        if response.status_code != 200:
            return False
        found = {e.text for e in ET.fromstring(response.content).iter(f"{OML}{tag}")}
        return str(objects[key]) in found

    return seen


def html_has(pattern: str) -> Seen:
    """A page that shows ``pattern`` (with the objects' fields filled in)."""

    def seen(response: httpx.Response, objects: Objects) -> bool:
        wanted = re.escape(pattern.format(**objects.ids))
        return response.status_code == 200 and re.search(wanted, response.text) is not None

    return seen


def in_feed(kind: str, key: str | None = None) -> Seen:
    """An activity feed page holding an event about the object (``kind:<its key>``)."""

    def seen(response: httpx.Response, objects: Objects) -> bool:
        if response.status_code != 200:
            return False
        wanted = f"{kind}:{objects[key or kind]}"
        return wanted in {event["subject"] for event in response.json()["items"]}

    return seen


# --- the table: one row per (object, face, verb) --------------------------------------------

TAG = {"tag": "m-{actor}"}
PROBES: tuple[Probe, ...] = (
    # datasets
    Probe("dataset", "api", "read", api("GET", "/api/datasets/{dataset}"), has("id", "dataset")),
    Probe("dataset", "api", "read", api("GET", "/api/datasets/{dataset}/features"), ok),
    Probe("dataset", "api", "read", api("GET", "/api/datasets/{dataset}/qualities"), ok),
    Probe("dataset", "api", "read", api("GET", "/api/datasets/{dataset}/automation"), ok),
    Probe("dataset", "api", "read", api("GET", "/api/datasets/{dataset}/history"), ok),
    Probe("dataset", "api", "read", api("GET", "/api/datasets/{dataset}/similar"), ok),
    Probe("dataset", "api", "list", api("GET", "/api/datasets"), lists("dataset")),
    Probe(
        "dataset",
        "download",
        "download",
        api("GET", "/api/datasets/{dataset}/data?format=parquet"),
        ok,
    ),
    Probe(
        "dataset", "download", "download", api("GET", "/api/datasets/{dataset}/data?format=csv"), ok
    ),
    Probe(
        "dataset",
        "download",
        "download",
        api("GET", "/api/datasets/{dataset}/data?format=arff"),
        ok,
    ),
    Probe(
        "dataset",
        "api",
        "write",
        api("PATCH", "/api/datasets/{dataset}", description="by {actor}"),
        ok,
    ),
    Probe(
        "dataset",
        "api",
        "write",
        api("POST", "/api/datasets/{dataset}/tags", **TAG),
        ok,
        others_may_write=True,
    ),
    Probe(
        "dataset",
        "openml",
        "read",
        oml("GET", "/api/v1/xml/data/{dataset}"),
        oml_has("id", "dataset"),
    ),
    Probe("dataset", "openml", "read", oml("GET", "/api/v1/xml/data/features/{dataset}"), ok),
    Probe("dataset", "openml", "read", oml("GET", "/api/v1/xml/data/qualities/{dataset}"), ok),
    Probe(
        "dataset", "openml", "list", oml("GET", "/api/v1/xml/data/list"), oml_has("did", "dataset")
    ),
    Probe(
        "dataset",
        "openml",
        "write",
        oml("POST", "/api/v1/xml/data/tag", data_id="{dataset}", tag="o-{actor}"),
        ok,
        others_may_write=True,
    ),
    Probe(
        "dataset",
        "download",
        "download",
        oml("GET", "/data/v1/download/{dataset}/{dataset_name}.arff"),
        ok,
    ),
    Probe(
        "dataset",
        "download",
        "download",
        oml("GET", "/data/v1/parquet/{dataset}/dataset_{dataset}.pq"),
        ok,
    ),
    Probe("dataset", "page", "read", page("/datasets/{dataset}"), html_has("{dataset_name}")),
    Probe("dataset", "page", "list", page("/datasets"), html_has('href="/datasets/{dataset}"')),
    Probe(
        "dataset", "page", "list", page("/search?q=matrix"), html_has('href="/datasets/{dataset}"')
    ),
    Probe("dataset", "download", "download", page("/datasets/{dataset}/download/csv"), ok),
    # the owner's page (a person's or a team's) lists what the viewer may see
    Probe(
        "dataset", "page", "list", page("/people/{owner}"), html_has('href="/datasets/{dataset}"')
    ),
    Probe(
        "dataset",
        "page",
        "write",
        page("/datasets/{dataset}/tags", tag="p-{actor}"),
        ok,
        others_may_write=True,
    ),
    Probe("job", "api", "read", api("GET", "/api/jobs/{job}"), has("id", "job")),
    # activity feeds: an event is as visible as its object, now
    Probe(
        "dataset",
        "api",
        "list",
        api("GET", "/api/users/owner/activity?limit=200"),
        in_feed("dataset"),
    ),
    Probe(
        "dataset", "api", "read", api("GET", "/api/datasets/{dataset}/activity"), in_feed("dataset")
    ),
    Probe("run", "api", "read", api("GET", "/api/runs/{run}/activity"), in_feed("run")),
    Probe(
        "model", "api", "read", api("GET", "/api/models/{repo}/activity"), in_feed("model", "repo")
    ),
    # open calls: as visible as their object (here the dataset)
    Probe("call", "api", "read", api("GET", "/api/calls/{call}"), has("id", "call")),
    Probe("call", "api", "list", api("GET", "/api/calls"), lists("call")),
    Probe("call", "api", "list", api("GET", "/api/calls?subject=dataset:{dataset}"), lists("call")),
    Probe("call", "api", "list", api("GET", "/api/calls?skill=feature-engineering"), lists("call")),
    # tasks
    Probe("task", "api", "read", api("GET", "/api/tasks/{task}"), has("id", "task")),
    Probe("task", "api", "list", api("GET", "/api/tasks"), lists("task")),
    Probe("task", "api", "read", api("GET", "/api/tasks/{task}/leaderboard"), ok),
    Probe("task", "api", "read", api("GET", "/api/tasks/{task}/recommendations"), ok),
    Probe("task", "download", "download", api("GET", "/api/tasks/{task}/splits"), ok),
    Probe(
        "task",
        "api",
        "write",
        api("POST", "/api/tasks/{task}/tags", **TAG),
        ok,
        others_may_write=True,
    ),
    Probe(
        "task", "openml", "read", oml("GET", "/api/v1/xml/task/{task}"), oml_has("task_id", "task")
    ),
    Probe(
        "task", "openml", "list", oml("GET", "/api/v1/xml/task/list"), oml_has("task_id", "task")
    ),
    Probe(
        "task",
        "download",
        "download",
        oml("GET", "/data/v1/splits/{task}/Task_{task}_splits.arff"),
        ok,
    ),
    Probe("task", "page", "read", page("/tasks/{task}"), html_has("<h1")),
    Probe("task", "page", "list", page("/tasks"), html_has('href="/tasks/{task}"')),
    # flows are public by design: only the public half of the matrix applies
    Probe(
        "flow", "api", "read", api("GET", "/api/flows/{flow}"), has("id", "flow"), has_private=False
    ),
    Probe("flow", "api", "list", api("GET", "/api/flows"), lists("flow"), has_private=False),
    Probe(
        "flow",
        "openml",
        "read",
        oml("GET", "/api/v1/xml/flow/{flow}"),
        oml_has("id", "flow"),
        has_private=False,
    ),
    Probe("flow", "page", "read", page("/flows/{flow}"), html_has("<h1"), has_private=False),
    Probe(
        "flow",
        "api",
        "write",
        api("POST", "/api/flows/{flow}/tags", **TAG),
        ok,
        has_private=False,
        others_may_write=True,
    ),
    # runs
    Probe("run", "api", "read", api("GET", "/api/runs/{run}"), has("id", "run")),
    Probe("run", "api", "list", api("GET", "/api/runs"), lists("run")),
    Probe("run", "api", "list", api("GET", "/api/evaluations?run={run}"), lists("run", "run_id")),
    Probe("run", "download", "download", api("GET", "/api/runs/{run}/predictions"), ok),
    Probe(
        "run", "api", "write", api("POST", "/api/runs/{run}/tags", **TAG), ok, others_may_write=True
    ),
    Probe("run", "openml", "read", oml("GET", "/api/v1/xml/run/{run}"), oml_has("run_id", "run")),
    Probe(
        "run",
        "openml",
        "list",
        oml("GET", "/api/v1/xml/run/list/task/{task}"),
        oml_has("run_id", "run"),
    ),
    Probe(
        "run",
        "openml",
        "list",
        oml("GET", "/api/v1/xml/evaluation/list/run/{run}"),
        oml_has("run_id", "run"),
    ),
    Probe("run", "download", "download", oml("GET", "/data/v1/runs/{run}/predictions.arff"), ok),
    Probe("run", "page", "read", page("/runs/{run}"), html_has("<h1")),
    Probe("run", "page", "list", page("/runs"), html_has('href="/runs/{run}"')),
    # reproductions: seen exactly by who may see the run
    Probe(
        "reproduction",
        "api",
        "read",
        api("GET", "/api/reproductions/{reproduction}"),
        has("id", "reproduction"),
    ),
    Probe(
        "reproduction",
        "api",
        "list",
        api("GET", "/api/runs/{run}/reproductions"),
        lists("reproduction"),
    ),
    # suites and studies
    Probe("suite", "api", "read", api("GET", "/api/suites/{suite}"), has("id", "suite")),
    Probe("suite", "api", "list", api("GET", "/api/suites"), lists("suite")),
    Probe(
        "suite", "openml", "read", oml("GET", "/api/v1/xml/study/{suite}"), oml_has("id", "suite")
    ),
    Probe(
        "suite",
        "openml",
        "list",
        oml("GET", "/api/v1/xml/study/list/main_entity_type/task/status/all"),
        oml_has("id", "suite"),
    ),
    Probe("suite", "page", "read", page("/suites/{suite}"), html_has("<h1")),
    Probe("suite", "page", "list", page("/suites"), html_has('href="/suites/{suite}"')),
    Probe("study", "api", "read", api("GET", "/api/studies/{study}"), has("id", "study")),
    Probe("study", "api", "list", api("GET", "/api/studies"), lists("study")),
    Probe(
        "study", "openml", "read", oml("GET", "/api/v1/xml/study/{study}"), oml_has("id", "study")
    ),
    Probe(
        "study",
        "openml",
        "list",
        oml("GET", "/api/v1/xml/study/list/main_entity_type/run/status/all"),
        oml_has("id", "study"),
    ),
    Probe("study", "page", "read", page("/studies/{study}"), html_has("<h1")),
    Probe("study", "page", "list", page("/studies"), html_has('href="/studies/{study}"')),
    # discussions: as visible as the object they are about (here a dataset)
    Probe("thread", "api", "read", api("GET", "/api/discussions/{thread}"), has("id", "thread")),
    Probe(
        "thread", "api", "read", api("GET", "/api/discussions/{thread}/posts/{post}/history"), ok
    ),
    Probe("thread", "api", "list", api("GET", "/api/discussions"), lists("thread")),
    Probe(
        "thread", "api", "list", api("GET", "/api/datasets/{dataset}/discussions"), lists("thread")
    ),
    Probe(
        "thread",
        "api",
        "write",
        api("POST", "/api/discussions/{thread}/replies", body="by {actor}"),
        ok,
        others_may_write=True,
    ),
    Probe(
        "thread",
        "api",
        "write",
        api("POST", "/api/datasets/{dataset}/discussions", title="by {actor}", body="hi"),
        ok,
        others_may_write=True,
    ),
    Probe(
        "thread",
        "api",
        "write",
        api("PATCH", "/api/discussions/{thread}/posts/{post}", body="by {actor}"),
        ok,
        author_only=True,
    ),
    Probe("thread", "page", "read", page("/discussions/{thread}"), html_has("{thread_title}")),
    Probe(
        "thread",
        "page",
        "list",
        page("/datasets/{dataset}"),
        html_has('href="/discussions/{thread}"'),
    ),
    Probe(
        "thread",
        "page",
        "write",
        page("/discussions/{thread}/replies", body="by {actor}"),
        ok,
        others_may_write=True,
    ),
    # the forge: repositories, commits, merge requests
    Probe("repo", "api", "read", api("GET", "/api/models/{repo}"), has("full_name", "repo")),
    Probe("repo", "api", "read", api("GET", "/api/models/{repo}/card"), ok),
    Probe("repo", "api", "list", api("GET", "/api/models"), lists("repo", "full_name")),
    Probe(
        "repo", "download", "download", api("GET", "/api/models/{repo}/files/model.safetensors"), ok
    ),
    Probe("repo", "api", "write", api("PATCH", "/api/models/{repo}", description="by {actor}"), ok),
    Probe("repo", "page", "read", page("/models/{repo}"), html_has("{repo}")),
    Probe("repo", "page", "list", page("/models"), html_has('href="/models/{repo}"')),
    Probe("repo", "page", "list", page("/people/{owner}"), html_has('href="/models/{repo}"')),
    Probe(
        "commit",
        "api",
        "read",
        api("GET", "/api/models/{repo}/commits/{commit}"),
        has("id", "commit"),
    ),
    Probe("commit", "api", "list", api("GET", "/api/models/{repo}/commits"), lists("commit")),
    Probe("commit", "api", "read", api("GET", "/api/models/{repo}/diff?a={commit}&b=feature"), ok),
    Probe(
        "commit",
        "api",
        "write",
        api("POST", "/api/models/{repo}/tags", name="t-{actor}", ref="{commit}"),
        ok,
    ),
    Probe("commit", "page", "read", page("/models/{repo}/commits/{commit}"), html_has("{commit}")),
    Probe("repo", "api", "write", open_upload(), ok),  # a push in pieces: only who may push
    # model checks (model CI): the repository's configuration, a commit's results and re-runs
    Probe("repo", "api", "read", api("GET", "/api/models/{repo}/checks"), has("repo")),
    Probe("repo", "api", "write", api("PUT", "/api/models/{repo}/checks", degenerate="true"), ok),
    Probe(
        "commit",
        "api",
        "read",
        api("GET", "/api/models/{repo}/commits/{commit}/checks"),
        has("commit"),
    ),
    Probe(
        "commit", "api", "write", api("POST", "/api/models/{repo}/commits/{commit}/checks"), queued
    ),
    # retraining policies: read like the repository, written by its owner (or an admin)
    Probe(
        "retrain_repo",
        "api",
        "read",
        api("GET", "/api/models/{retrain_repo}/retraining"),
        has("repo", "retrain_repo"),
    ),
    Probe(
        "retrain_repo",
        "api",
        "write",
        api("PUT", "/api/models/{retrain_repo}/retraining", dataset="{dataset_name}"),
        ok,
    ),
    Probe(
        "request",
        "api",
        "read",
        api("GET", "/api/models/{repo}/merge-requests/{request}"),
        has("number", "request"),
    ),
    Probe(
        "request",
        "api",
        "list",
        api("GET", "/api/models/{repo}/merge-requests"),
        lists("request", "number"),
    ),
    Probe(
        "request",
        "api",
        "write",
        api("POST", "/api/models/{repo}/merge-requests/{request}/comments", body="{actor}"),
        ok,
        others_may_write=True,
    ),
    Probe(
        "request",
        "page",
        "read",
        page("/models/{repo}/requests/{request}"),
        html_has("better weights"),
    ),
    Probe(
        "request",
        "page",
        "write",
        page("/models/{repo}/requests/{request}/comments", body="by {actor}"),
        ok,
        others_may_write=True,
    ),
    # serving: aliases and deployments
    Probe(
        "alias",
        "api",
        "list",
        api("GET", "/api/models/{serve_repo}/aliases"),
        lists("alias", "name"),
    ),
    Probe(
        "alias", "api", "read", api("GET", "/api/models/{serve_repo}/aliases/{alias}/history"), ok
    ),
    Probe(
        "alias",
        "api",
        "write",
        api("POST", "/api/models/{serve_repo}/aliases/{alias}", commit="{serve_commit}"),
        ok,
    ),
    Probe(
        "deployment",
        "api",
        "read",
        api("GET", "/api/deployments/{deployment}"),
        has("name", "deployment"),
    ),
    Probe(
        "deployment",
        "api",
        "read",
        api("GET", "/api/deployments/{deployment}/metrics"),
        has("deployment", "deployment"),
    ),
    Probe("deployment", "api", "list", api("GET", "/api/deployments"), lists("deployment", "name")),
    Probe("deployment", "api", "read", predict_call("predict"), answered_by("serve_commit")),
    Probe("deployment", "api", "read", predict_call("invocations"), answered_by("serve_commit")),
    Probe(
        "deployment", "page", "read", page("/deployments/{deployment}"), html_has("{serve_repo}")
    ),
    Probe(
        "deployment",
        "page",
        "list",
        page("/deployments"),
        html_has('href="/deployments/{deployment}"'),
    ),
)


def _cells() -> Iterator[object]:
    for probe in PROBES:
        for visibility in VISIBILITIES if probe.has_private else ("public",):
            for actor in ACTORS:
                yield pytest.param(probe, visibility, actor, id=f"{probe.id}-{visibility}-{actor}")


# The kinds of object the collaborator's grant on the dataset reaches: the dataset, and what
# only the dataset gates (its processing job, its discussions, its open calls).
GRANTED = ("dataset", "job", "thread", "call")


def _visible(probe: Probe, visibility: str, actor: str) -> bool:
    """The rule: who sees an object of ``visibility``."""
    if visibility == "public" or actor in ("owner", "admin"):
        return True
    if actor == "collaborator":
        return probe.kind in GRANTED
    return visibility == "team" and TEAM_ROLES.get(actor) is not None and actor != "leaver"


def _may(probe: Probe, visibility: str, actor: str) -> bool:
    visible = _visible(probe, visibility, actor)
    if probe.verb != "write":
        return visible
    if actor in ("owner", "admin"):
        return True
    if visibility == "team" and actor == "member" and not probe.author_only:
        return True
    if actor == "collaborator" and probe.kind in GRANTED and not probe.author_only:
        return True
    return actor != "anonymous" and visible and probe.others_may_write


def _refusal_ok(probe: Probe, response: httpx.Response, visible: bool, actor: str) -> bool:
    """The refusal a face gives: a write without a key asks for one; anything else that may
    not be seen answers as if the object did not exist; a write to a visible object that
    the caller may not change is forbidden."""
    status = response.status_code
    if probe.face == "openml" or response.url.path.startswith("/data/v1/"):
        return status in (404, 412)
    if probe.verb == "write" and actor == "anonymous":
        return status == 401
    if probe.verb == "write" and visible:
        return status == 403
    return status == 404


@pytest.mark.parametrize(("probe", "visibility", "actor"), list(_cells()))
def test_each_actor_sees_and_changes_exactly_what_it_may(
    world: World, probe: Probe, visibility: str, actor: str
) -> None:
    objects = world.objects[visibility]
    visible = _visible(probe, visibility, actor)
    response = probe.ask(world, actor, objects)
    revealed = probe.seen(response, objects)
    if _may(probe, visibility, actor):
        assert revealed, f"{actor} should reach the {visibility} {probe.kind}: {response.text}"
        return
    assert not revealed, f"{actor} reached the {visibility} {probe.kind}: {response.text}"
    if probe.verb != "list":
        assert _refusal_ok(probe, response, visible, actor), response.text[:500]
        if not visible:  # not even its name leaks into the refusal
            assert objects["dataset_name"] not in response.text
