"""The native OpenAPI document, made honest about keys and failures.

FastAPI documents an operation's success and its 422; the rest of what a route may answer is
derived here, in one place, from what the route depends on (never written per route):

- every operation: 400 (a ``Host`` the server does not trust), 422 (invalid or unknown
  parameters), 429 (over the request budget), 500 and 503 (the database is busy);
- a key the route reads (``http.deps.api_key_bearer``): 401 (a malformed, unknown or revoked
  key); a key it requires (``required_actor``): 401 and 403;
- parameters or a body, which name objects (a path's id, ``?run=``, a task's ``dataset_id``):
  404 (also what a private object answers to those who may not see it);
- a request body: 413 and 415;
- a write (any method but GET/HEAD): 409 and 507.

Each failure is an RFC 9457 ``application/problem+json`` document of the ``Problem`` schema,
its ``code`` one of ``ErrorCode``; 401 carries ``WWW-Authenticate``, 429 and 503
``Retry-After``. Operations reading a key without requiring it declare the key optional
(``security: [{apiKey: []}, {}]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from mlhive.server.http.deps import SCHEME_NAME, api_key_bearer, required_actor
from mlhive.server.http.status import STATUS
from mlhive.wire.common import Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_SCHEMA = "Problem"
READS = frozenset({"GET", "HEAD"})

ALWAYS = (400, 422, 429, 500, 503)
WHY = {
    400: "The request's `Host` is not one this server trusts.",
    401: "The API key is malformed, unknown or revoked, or the route needs one and got none.",
    403: "The key's user may not do this.",
    404: "No such object, or one the caller may not see.",
    409: "The request conflicts with the object's state.",
    413: "The body is too large.",
    415: "The uploaded file's format is not supported.",
    422: "A parameter or the body is invalid, or a query parameter is unknown.",
    429: "Too many requests from this key or address; retry after `Retry-After` seconds.",
    500: "An unexpected failure (its traceback is in the server's log).",
    503: "The database is busy; retry after `Retry-After` seconds.",
    507: "The server's disk is full: nothing was stored.",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`"}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
    503: {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
}


def file_responses(*media_types: str, json: bool = False) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses`` for a download: the body in one of ``media_types`` (parameters
    such as ``charset`` left out), or 304 when the client's copy (``If-None-Match``) is
    current. Route it with ``response_class=Response`` so no JSON body is claimed, unless
    ``json`` says a JSON answer (the route's model) is one of the choices."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = {media.partition(";")[0]: binary for media in media_types}
    if json:
        content = {"application/json": {}, **content}
    return {
        200: {"description": "The file.", "content": content},
        304: {"description": "The client's copy (its `If-None-Match` ETag) is current."},
    }


def problem_schemas() -> dict[str, dict[str, Any]]:
    """The JSON schemas of the problem document (``wire.common.Problem``) and what it refers
    to (``ErrorCode``), named as OpenAPI components."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    named: dict[str, dict[str, Any]] = schema.pop("$defs", {})
    named[PROBLEM_SCHEMA] = schema
    return named


@dataclass(frozen=True)
class RouteFacts:
    """What a route's signature tells about the failures it may answer."""

    reads_key: bool
    needs_key: bool
    names_objects: bool
    has_body: bool

    @classmethod
    def of(cls, dependant: Dependant, has_body: bool) -> RouteFacts:
        """The facts of a route from its dependency tree."""
        calls = set(_calls(dependant))
        return cls(
            reads_key=api_key_bearer in calls,
            needs_key=required_actor in calls,
            names_objects=has_body or bool(_parameters(dependant)),
            has_body=has_body,
        )

    def statuses(self, method: str) -> list[int]:
        """The failure statuses of this route under ``method``, in ascending order."""
        found = set(ALWAYS)
        found |= {401} if self.reads_key else set()
        found |= {401, 403} if self.needs_key else set()
        found |= {404} if self.names_objects else set()
        found |= {413, 415} if self.has_body else set()
        found |= set() if method.upper() in READS else {409, 507}
        return sorted(found)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _parameters(dependant: Dependant) -> list[Any]:
    found = [*dependant.path_params, *dependant.query_params]
    for sub in dependant.dependencies:
        found += _parameters(sub)
    return found


def _codes_of(status: int) -> list[str]:
    return [code.value for code, mapped in STATUS.items() if mapped == status]


def problem_response(status: int) -> dict[str, Any]:
    """The OpenAPI response object of a failure ``status``."""
    codes = ", ".join(f"`{code}`" for code in _codes_of(status)) or "`invalid_input`"
    response: dict[str, Any] = {
        "description": f"{WHY[status]} (code {codes})",
        "content": {
            PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}}
        },
    }
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def route_facts(app: FastAPI) -> dict[tuple[str, str], RouteFacts]:
    """The facts of every documented native route, by (method, OpenAPI path)."""
    facts: dict[tuple[str, str], RouteFacts] = {}
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        path = context.path_format or ""
        if not path.startswith("/api/"):
            continue
        found = RouteFacts.of(context.dependant, context.body_field is not None)
        for method in context.methods or ():
            facts[(method.lower(), path)] = found
    return facts


def document(doc: dict[str, Any], facts: dict[tuple[str, str], RouteFacts]) -> dict[str, Any]:
    """Add the problem responses and the key's optionality to ``doc`` (idempotent)."""
    doc.setdefault("components", {}).setdefault("schemas", {}).update(problem_schemas())
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            found = facts.get((method, path))
            if found is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in found.statuses(method):
                # FastAPI's own 422 names its HTTPValidationError as JSON: ours is a problem.
                responses[str(status)] = problem_response(status)
            operation["responses"] = dict(sorted(responses.items()))
            if found.reads_key and not found.needs_key:
                operation["security"] = [{SCHEME_NAME: []}, {}]
    # FastAPI's validation error schemas describe no answer the API gives.
    for name in ("HTTPValidationError", "ValidationError"):
        doc["components"]["schemas"].pop(name, None)
    return doc


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` answer the honest document (built once, on first use)."""
    plain = app.openapi
    done: list[int] = []  # the id of the document already made honest

    def honest() -> dict[str, Any]:
        doc = plain()  # FastAPI caches it until the routes change
        if done != [id(doc)]:
            document(doc, route_facts(app))
            done[:] = [id(doc)]
        return doc

    app.openapi = honest  # type: ignore[method-assign]
