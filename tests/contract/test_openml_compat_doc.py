"""docs/openml-compat.md's endpoint tables say what the OpenML faces actually serve.

Each table row names one or more calls (`` `GET data/{id}` ``) and says "yes" or "no". Every
"yes" call must be a route of its face, every route of a face must be a "yes" call of its
table, and no "no" call may be a route: a route added, removed or renamed fails here until the
table says so. Routes come from :data:`tests.contract.route_table.ROUTES`, which
``test_route_inventory.py`` holds equal to what the application serves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.contract.route_table import ROUTES

DOC = Path(__file__).parents[2] / "docs" / "openml-compat.md"
CALL = re.compile(r"`((?:GET|POST|PUT|PATCH|DELETE) [^`]+)`")
# A path segment holding a parameter (`{id}`, `dataset_{id}.pq`, `{name}.arff`) is any segment.
PARAMETER = re.compile(r"[^/{}]*\{[^}]*\}[^/]*")

# (heading of the doc's section, the text that ends its table, the face's route prefix)
FACES = {
    "v1": ("## Endpoints", "Files (outside", "/api/v1/xml/"),
    "files": ("Files (outside", "## The v2 JSON API", "/data/"),
    "v2": ("## The v2 JSON API", "\n## ", "/api/v2/"),
}


def _shape(method: str, path: str) -> str:
    path = re.sub(r"\{filters:path\}", "/{}", path)  # OpenML's list calls: filters in the path
    path = PARAMETER.sub("{}", path.strip("/"))
    return f"{method} {path}"


def _section(start: str, end: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    begin = text.index(start) + len(start)
    return text[begin : text.index(end, begin)]


def documented(face: str) -> dict[str, set[str]]:
    """``{"yes": calls, "no": calls}`` of the face's table, each call shaped as the routes."""
    start, end, prefix = FACES[face]
    calls: dict[str, set[str]] = {"yes": set(), "no": set()}
    for line in _section(start, end).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[1] not in calls:
            continue
        for call in CALL.findall(cells[0]):
            method, _, path = call.partition(" ")
            if face == "files":  # the files table names whole paths
                path = path.removeprefix(prefix.rstrip("/"))
            calls[cells[1]].add(_shape(method, path))
    return calls


def served(face: str) -> set[str]:
    prefix = FACES[face][2]
    routes = set()
    for route in ROUTES:
        method, _, path = route.partition(" ")
        if path.startswith(prefix):
            routes.add(_shape(method, path.removeprefix(prefix.rstrip("/"))))
    return routes


@pytest.mark.parametrize("face", sorted(FACES))
def test_every_route_is_a_supported_call_and_every_supported_call_a_route(face: str) -> None:
    calls, routes = documented(face), served(face)
    assert calls["yes"], f"no table rows found for {face}: has the doc's layout changed?"
    assert sorted(routes - calls["yes"]) == [], "served, but not listed as supported"
    assert sorted(calls["yes"] - routes) == [], "listed as supported, but not served"


@pytest.mark.parametrize("face", sorted(FACES))
def test_no_unsupported_call_is_served(face: str) -> None:
    routes = served(face)
    for call in documented(face)["no"]:
        if "…" in call:  # a family of calls: none of it may be served
            stem = call.split("…")[0]
            assert not [route for route in routes if route.startswith(stem)], call
        else:
            assert call not in routes


def test_the_tables_hold_openml_s_unsupported_calls_too() -> None:
    """The v1 table is OpenML's whole API, not only what mlhive serves."""
    unsupported = documented("v1")["no"]
    for call in ("GET task/inputs/{}", "DELETE flow/{}/force", "GET setup/differences/{}/{}"):
        assert call in unsupported
