"""Every route of the application is classified (``route_table.py``), and every route that
needs a key, an administrator or a signed-in form is called to prove it refuses without one.

A new route fails here until it is added to :data:`tests.contract.route_table.ROUTES`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount

from tests.conftest import UserKey
from tests.contract.route_table import ROUTES, Access
from tests.shared_app import SharedApp, shared_app
from tests.web.conftest import sign_in

BAD_KEY = "mlh_" + "0" * 40
OML = "{http://openml.org/openml}"
# A value for each path parameter, so that the request reaches the route (not a 404 of routing).
SAMPLE = {"filters": "", "owner": "nobody", "name": "net", "fmt": "csv", "tag": "t"}
STATIC_FILE = "mlhive.css"
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _walk(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for context in iter_route_contexts(routes):
        route: Any = context.route
        if isinstance(route, Mount):
            inner = getattr(route.app, "routes", None)
            if inner is None:  # a plain ASGI app (static files): one catch-all route
                yield "GET", f"{prefix}{route.path}/{{path}}"
            else:
                yield from _walk(inner, prefix + route.path)
            continue
        methods = set(context.methods or ())
        if "GET" in methods:  # HEAD that comes with a GET is the same route
            methods.discard("HEAD")
        for method in sorted(methods):
            yield method, prefix + str(context.path)


def served_routes(app: FastAPI) -> set[str]:
    """``"METHOD /path"`` for every route the application answers, sub-applications included."""
    return {f"{method} {path}" for method, path in _walk(app.routes)}


def concrete(path: str) -> str:
    """``path`` with each parameter replaced by a plausible value."""
    return PARAM.sub(lambda m: SAMPLE.get(m.group(1), "1"), path)


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, database_template: str
) -> Iterator[tuple[FastAPI, TestClient]]:
    """One application for the module (it sends a few hundred requests)."""
    with shared_app(tmp_path_factory.mktemp("inventory") / "data", database_template) as shared:
        yield shared.app, shared.http


@pytest.fixture(scope="module")
def users(served: tuple[FastAPI, TestClient]) -> dict[str, UserKey]:
    """A plain user and an administrator."""
    app, http = served
    shared = SharedApp(app, http)
    return {"plain": shared.user("inv-plain"), "boss": shared.user("inv-boss", admin=True)}


def test_every_route_is_classified_and_every_classified_route_exists(
    served: tuple[FastAPI, TestClient],
) -> None:
    app, _ = served
    routes = served_routes(app)
    unclassified = sorted(routes - ROUTES.keys())
    gone = sorted(ROUTES.keys() - routes)
    where = "tests/contract/route_table.py"
    assert not unclassified, f"classify these routes in {where}: {unclassified}"
    assert not gone, f"these classified routes are no longer served: {gone}"


def _routes(*kinds: Access, prefix: str = "", outside: tuple[str, ...] = ()) -> list[str]:
    return sorted(
        route
        for route, kind in ROUTES.items()
        if kind in kinds
        and route.partition(" ")[2].startswith(prefix)
        and not route.partition(" ")[2].startswith(outside)
    )


def _call(http: TestClient, route: str, **kwargs: Any) -> httpx.Response:
    method, _, path = route.partition(" ")
    return http.request(method, concrete(path), follow_redirects=False, **kwargs)


def _oml_code(response: httpx.Response) -> int:
    error = ET.fromstring(response.content)
    code = error.find(f"{OML}code")
    assert error.tag == f"{OML}error" and code is not None, response.text
    return int(str(code.text))


NOT_NATIVE = ("/api/v1/", "/api/v2/", "/data/v1/")


@pytest.mark.parametrize(
    "route", _routes(Access.KEYED, Access.ADMIN, prefix="/api/", outside=NOT_NATIVE)
)
def test_a_keyed_native_route_refuses_a_missing_or_bad_key(
    served: tuple[FastAPI, TestClient], route: str
) -> None:
    _, http = served
    anonymous = _call(http, route)
    bad = _call(http, route, headers={"Authorization": f"Bearer {BAD_KEY}"})
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["code"] == "unauthenticated"
    assert bad.status_code == 401, bad.text
    assert bad.json()["code"] in ("invalid_api_key", "unauthenticated")


@pytest.mark.parametrize("route", _routes(Access.ADMIN))
def test_an_admin_route_refuses_a_plain_user_and_serves_an_admin(
    served: tuple[FastAPI, TestClient], users: dict[str, UserKey], route: str
) -> None:
    _, http = served
    body = {"name": "inv-made"}
    plain = _call(http, route, headers=users["plain"].headers, json=body)
    boss = _call(http, route, headers=users["boss"].headers, json=body)
    assert plain.status_code == 403, plain.text
    assert boss.status_code < 400, boss.text  # the positive control


@pytest.mark.parametrize("route", _routes(Access.OPTIONAL, prefix="/api/", outside=NOT_NATIVE))
def test_a_key_optional_native_read_serves_anonymous_and_refuses_a_bad_key(
    served: tuple[FastAPI, TestClient], route: str
) -> None:
    _, http = served
    anonymous = _call(http, route)
    bad = _call(http, route, headers={"Authorization": f"Bearer {BAD_KEY}"})
    assert anonymous.status_code not in (401, 403), anonymous.text
    assert bad.status_code == 401, bad.text


@pytest.mark.parametrize("route", _routes(Access.PUBLIC))
def test_a_public_read_serves_anonymous_and_ignores_keys(
    served: tuple[FastAPI, TestClient], route: str
) -> None:
    _, http = served
    path = concrete(route.partition(" ")[2]).replace("/static/1", f"/static/{STATIC_FILE}")
    anonymous = http.get(path)
    bad = http.get(path, headers={"Authorization": f"Bearer {BAD_KEY}"})
    assert anonymous.status_code not in (401, 403), anonymous.text
    assert bad.status_code == anonymous.status_code, bad.text


@pytest.mark.parametrize("route", _routes(Access.KEYED, prefix="/api/v1/xml/"))
def test_an_openml_write_refuses_a_missing_key_with_102_and_a_bad_one_with_103(
    served: tuple[FastAPI, TestClient], route: str
) -> None:
    _, http = served
    anonymous = _call(http, route)
    if route.startswith("POST"):
        bad = _call(http, route, data={"api_key": BAD_KEY})
    else:
        bad = _call(http, route, params={"api_key": BAD_KEY})
    assert anonymous.status_code == 412 and _oml_code(anonymous) == 102, anonymous.text
    assert bad.status_code == 412 and _oml_code(bad) == 103, bad.text


@pytest.mark.parametrize(
    "route",
    _routes(Access.OPTIONAL, prefix="/api/v1/xml/") + _routes(Access.OPTIONAL, prefix="/data/v1/"),
)
def test_an_openml_read_serves_anonymous_and_refuses_a_bad_key_with_103(
    served: tuple[FastAPI, TestClient], route: str
) -> None:
    _, http = served
    anonymous = _call(http, route)
    bad = _call(http, route, params={"api_key": BAD_KEY})
    assert anonymous.status_code not in (401, 403), anonymous.text
    if anonymous.status_code == 412:
        assert _oml_code(anonymous) not in (102, 103), anonymous.text
    assert bad.status_code == 412 and _oml_code(bad) == 103, bad.text


@pytest.mark.parametrize("route", _routes(Access.OPTIONAL, prefix="/api/v2/"))
def test_a_v2_read_serves_anonymous_and_refuses_a_bad_key(
    served: tuple[FastAPI, TestClient], route: str
) -> None:
    _, http = served
    anonymous = _call(http, route)
    bad = _call(http, route, params={"api_key": BAD_KEY})
    assert anonymous.status_code not in (401, 403), anonymous.text
    assert bad.status_code == 401, bad.text
    assert bad.json()["code"] == "103"  # OpenML's "authentication failed", as server-api


PAGE_READS = _routes(Access.OPTIONAL, outside=("/api/", "/data/v1/"))


@pytest.mark.parametrize("route", PAGE_READS)
def test_a_page_serves_anonymous_and_reads_an_unknown_session_as_anonymous(
    served: tuple[FastAPI, TestClient], route: str
) -> None:
    app, http = served
    anonymous = _call(http, route)
    with TestClient(app, cookies={"mlhive_session": "not-a-session"}) as browser:
        stale = _call(browser, route)
    assert anonymous.status_code not in (401, 403), anonymous.text
    assert stale.status_code == anonymous.status_code
    assert "Sign out" not in stale.text


@pytest.mark.parametrize("route", _routes(Access.FORM))
def test_a_page_action_refuses_without_a_session_or_without_its_form_token(
    served: tuple[FastAPI, TestClient], users: dict[str, UserKey], route: str
) -> None:
    app, _ = served
    with TestClient(app) as browser:
        anonymous = _call(browser, route, data={"csrf": "x", "tag": "t"})
        sign_in(browser, users["plain"])
        tokenless = _call(browser, route, data={"tag": "t"})
        forged = _call(browser, route, data={"csrf": "0" * 40, "tag": "t"})
        still_in = browser.get("/")
    assert anonymous.status_code == 401, anonymous.text
    assert tokenless.status_code == 403, tokenless.text
    assert forged.status_code == 403, forged.text
    assert "Sign out" in still_in.text  # the positive control: the session itself works


def test_the_sign_in_form_refuses_a_post_without_its_form_token(
    served: tuple[FastAPI, TestClient], users: dict[str, UserKey]
) -> None:
    app, _ = served
    with TestClient(app) as browser:
        answer = browser.post(
            "/sign-in", data={"api_key": users["plain"].key, "next": "/"}, follow_redirects=False
        )
        after = browser.get("/")
    assert answer.status_code == 403, answer.text
    assert "Sign out" not in after.text
