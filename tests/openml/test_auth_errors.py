"""Every write of the OpenML face refuses a caller exactly as OpenML's server does.

OpenML (``Api_new::bootstrap``) authenticates before it even looks the call up: a request that
is not a GET needs a key (102), a given key must be valid (103), and a read-only caller may only
GET (104); each as ``oml:error`` with status 412. The write routes are taken from the face's
own router, so a new one is checked without anyone listing it here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest

from mlhive.server.db.engine import transaction
from mlhive.server.openml.app import build_api
from mlhive.server.services import accounts
from mlhive.server.wiring import Hive
from mlhive.wire.accounts import KeyScope
from tests.contract.test_route_inventory import concrete, served_routes
from tests.shared_app import SharedApp, shared_app

API = "/api/v1/xml"
NS = {"oml": "http://openml.org/openml"}
BAD_KEY = "mlh_" + "0" * 40
# OpenML's texts (its pre.php), to the character.
NO_KEY = "No authentication (Please provide API key for all requests other than HTTP GET)"
BAD = "Authentication failed"
READ_ONLY = "This is a read-only account, it does not have permission for write operations. "
READ_ONLY_INFO = "API calls of the read-only user can only be of type GET. "

# The router builds its routes without touching the wiring: nothing is served here.
WRITES = sorted(
    route.replace(" /", " ", 1)
    for route in served_routes(build_api(cast(Hive, None)))
    if not route.startswith(("GET ", "HEAD "))
)
# Requests no route serves: OpenML still authenticates them first.
UNKNOWN = ["POST nothing/here", "PUT data", "DELETE data/not-a-number", "PATCH flow/1"]
BODY = {
    "files": {"description": ("description.xml", b"<oml:x xmlns:oml='http://openml.org/openml'/>")},
    "data": {"data_id": "1", "tag": "t", "status": "active", "ids": "1"},
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, database_template: str) -> Iterator[SharedApp]:
    """One application for the module's few hundred requests."""
    with shared_app(tmp_path_factory.mktemp("oml-auth") / "data", database_template) as shared:
        yield shared


@pytest.fixture(scope="module")
def keys(served: SharedApp) -> dict[str, str]:
    """A write key, a read key and a revoked key of one user."""
    writer = served.user("oml-auth")
    with transaction(served.hive.sessions) as session:
        user = accounts.user_by_id(session, writer.id)
        _, reader = accounts.issue_key(session, user, "read", KeyScope.READ)
        revoked_row, revoked = accounts.issue_key(session, user, "gone")
        accounts.revoke_key(session, accounts.key_actor(session, writer.key), revoked_row.id)
    return {"write": writer.key, "read": reader, "revoked": revoked}


def call(
    served: SharedApp, route: str, key: str | None, *, body: bool, key_in_form: bool = False
) -> httpx.Response:
    """``route`` with the key in the query (or the form), with or without a form body."""
    method, _, path = route.partition(" ")
    kwargs: dict[str, Any] = {}
    if body and method == "POST":
        kwargs = {"files": BODY["files"], "data": dict(BODY["data"])}
    if key is not None and key_in_form:
        kwargs.setdefault("data", {})["api_key"] = key
    elif key is not None:
        kwargs["params"] = {"api_key": key}
    return served.http.request(method, f"{API}/{concrete(path)}", **kwargs)


def oml_error(response: httpx.Response) -> tuple[int, str, str | None]:
    """Code, message and additional information of an ``oml:error`` answer."""
    assert response.headers["content-type"] == "text/xml; charset=utf-8", response.text
    error = ET.fromstring(response.content)
    assert error.tag == "{http://openml.org/openml}error", response.text
    code = int(error.findtext("oml:code", namespaces=NS) or 0)
    message = error.findtext("oml:message", namespaces=NS) or ""
    return code, message, error.findtext("oml:additional_information", namespaces=NS)


def test_the_face_has_write_routes_to_check() -> None:
    assert "POST data" in WRITES and "DELETE data/{dataset_id}" in WRITES
    assert len(WRITES) >= 25  # data, task, flow, run, study, setup and their tags


CASES = [
    ("no key", None, False, False, 102, NO_KEY),
    ("no key, with a body", None, True, False, 102, NO_KEY),
    ("wrong key", BAD_KEY, False, False, 103, BAD),
    ("wrong key in the form, with a body", BAD_KEY, True, True, 103, BAD),
    ("revoked key", "revoked", True, False, 103, BAD),
    ("read-only key", "read", False, False, 104, READ_ONLY),
    ("read-only key in the form, with a body", "read", True, True, 104, READ_ONLY),
]


PARAMS = [
    pytest.param(route, *case[1:], id=f"{route} | {case[0]}")
    for route in WRITES + UNKNOWN
    for case in CASES
    if route.startswith("POST") or not case[3]  # only a POST carries its key in a form
]


@pytest.mark.parametrize(("route", "key", "body", "in_form", "code", "message"), PARAMS)
def test_a_write_refuses_a_caller_as_openml_does(
    served: SharedApp,
    keys: dict[str, str],
    route: str,
    key: str | None,
    body: bool,
    in_form: bool,
    code: int,
    message: str,
) -> None:
    secret = keys.get(key, key) if key is not None else None  # a name of a key, or a key
    answer = call(served, route, secret, body=body, key_in_form=in_form)
    got, text, additional = oml_error(answer)
    assert (answer.status_code, got, text) == (412, code, message), answer.text
    if code == 104:
        assert additional is not None and additional.startswith(READ_ONLY_INFO)
        assert "scope 'read'" in additional and "mlhive key create" in additional


@pytest.mark.parametrize("route", WRITES)
def test_a_write_key_passes_authentication(
    served: SharedApp, keys: dict[str, str], route: str
) -> None:
    """The control: the same requests with a write key get past 102, 103 and 104."""
    answer = call(served, route, keys["write"], body=True, key_in_form=route.startswith("POST"))
    if answer.status_code != 200:
        assert oml_error(answer)[0] not in (102, 103, 104), answer.text


def test_a_read_only_key_reads(served: SharedApp, keys: dict[str, str]) -> None:
    answer = served.http.get(f"{API}/estimationprocedure/list", params={"api_key": keys["read"]})
    listing = served.http.get(f"{API}/data/list", params={"api_key": keys["read"]})
    assert answer.status_code == 200, answer.text
    assert listing.status_code in (200, 412) and "oml:error" not in answer.text
    if listing.status_code == 412:
        assert oml_error(listing)[0] == 372  # OpenML's "no results": a read, not a refusal


def test_an_unknown_call_with_a_valid_key_is_still_unknown(
    served: SharedApp, keys: dict[str, str]
) -> None:
    answer = served.http.post(f"{API}/nothing/here", data={"api_key": keys["write"]})
    assert oml_error(answer)[0] == 100
