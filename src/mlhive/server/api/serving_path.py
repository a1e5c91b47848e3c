"""The fast path of deployment calls: ``POST /api/deployments/{name}/predict`` and
``/invocations`` answered by a small ASGI layer in front of the routes.

What makes it fast, and what keeps it exact:

- **Lookups kept for a second.** The caller's key and the deployment (owner, visibility,
  the commit its alias names now) are read once and kept for at most
  ``runtime.LOOKUP_TTL`` seconds; any write transaction of this process forgets them at
  once (``http.deps.write``), so after a promotion or a key revocation here the very next call
  reads the new state. Other processes see it within the second.
- **No dependency solving, no pandas for ONNX.** The body is validated by the same wire
  models (pydantic, from the raw bytes), the inputs by the same checks, and an ONNX model gets
  numpy arrays built from the JSON values; small ONNX batches run on the event loop, anything
  heavier in the thread pool.
- **Failures are answered by the routes.** A call the fast path cannot answer as a success
  (no or a refused key, an unknown or hidden deployment, an alias pointing nowhere, a model not
  loaded in this process yet, a malformed body or bad inputs) is handed, body and all, to the
  routes of :mod:`mlhive.server.api.deployments`, which answer and count it exactly as before.

The path runs inside the body limit, rate limit, trusted-host and security-header layers, so
those apply to it as to every route; it compresses large answers itself, as the app's gzip
layer does for the routes.
"""

from __future__ import annotations

import gzip
import re
import time
from typing import Any

import anyio.to_thread
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import DomainError
from mlhive.server.domain.serving.inputs import Table
from mlhive.server.http.deps import actor_for_key, bearer_key, read
from mlhive.server.services.accounts import hash_key
from mlhive.server.services.serving import deployments
from mlhive.server.services.serving import predict as serving
from mlhive.server.services.serving.deployments import Target
from mlhive.server.wiring import Hive
from mlhive.wire.serving import Invocation, PredictRequest

PATH = re.compile(r"^/api/deployments/([^/]+)/(predict|invocations)$")
INLINE_ROWS = 64
"""ONNX calls of at most this many rows run on the event loop (cheaper than a thread hop)."""
_ANONYMOUS = "anonymous"


class _Declined(Exception):
    """The fast path does not answer this call: the routes do."""


def _json_content(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type":
            return value.split(b";")[0].strip().lower() == b"application/json"
    return False


def _header(headers: list[tuple[bytes, bytes]], wanted: bytes) -> str | None:
    for name, value in headers:
        if name == wanted:
            return value.decode("latin-1")
    return None


class FastPredict:
    """ASGI middleware answering successful deployment calls (see the module docstring)."""

    def __init__(self, app: ASGIApp, gzip_from: int = 1024) -> None:
        self.app = app
        self.gzip_from = gzip_from

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        matched = PATH.match(scope["path"])
        headers = scope["headers"]
        if matched is None or not _json_content(headers):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        hive: Hive = scope["app"].state.hive
        try:
            answer = await self._answer(hive, matched[1], matched[2], headers, body, start)
        except _Declined:
            await self.app(scope, _replay(messages, receive), send)
            return
        sent = [(b"content-type", b"application/json")]
        accepted = _header(headers, b"accept-encoding") or ""
        if len(answer) >= self.gzip_from and "gzip" in accepted:
            answer = gzip.compress(answer, compresslevel=6)
            sent += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
        sent.append((b"content-length", str(len(answer)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": sent})
        await send({"type": "http.response.body", "body": answer})

    async def _answer(
        self,
        hive: Hive,
        name: str,
        kind: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        start: float,
    ) -> bytes:
        actor = await _actor(hive, _header(headers, b"authorization"))
        found = await _target(hive, name)
        if not found.visible_to(actor) or found.commit_id is None or found.commit_sha is None:
            raise _Declined
        key = str(found.commit_id)
        if key not in hive.serving.models:  # the route loads it (once) and counts a failure
            raise _Declined
        model = hive.serving.models.get(key, _unreachable)
        served = serving.Served(
            found.deployment_id, found.deployment, found.repo, found.commit_sha, model
        )
        request: BaseModel
        try:
            if kind == "predict":
                request = PredictRequest.model_validate_json(body)
            else:
                request = Invocation.model_validate_json(body)
        except ValidationError:
            raise _Declined from None
        try:
            if isinstance(request, PredictRequest):
                table = serving.request_table(served, request)
                probabilities = request.probabilities
            else:
                table = serving.invocation_table(served, request)
                probabilities = False
            if model.engine == "onnxruntime" and table.n_rows <= INLINE_ROWS:
                answer = _encode(served, table, probabilities)
            else:
                answer = await anyio.to_thread.run_sync(_encode, served, table, probabilities)
        except DomainError:
            raise _Declined from None
        hive.serving.tally.add(found.deployment_id, failed=False)
        elapsed = (time.perf_counter() - start) * 1000
        hive.serving.monitor.record(found.deployment_id, elapsed, table, model.schema)
        return answer


def _unreachable() -> Any:  # pragma: no cover - only called for a model not cached
    raise _Declined


def _encode(served: serving.Served, table: Table, probabilities: bool) -> bytes:
    return serving.answer(served, table, probabilities).model_dump_json().encode()


async def _actor(hive: Hive, authorization: str | None) -> Actor | None:
    """The caller (None: anonymous), from this second's lookups or the database."""
    if authorization is None:
        return None
    try:
        api_key = bearer_key(authorization)
    except DomainError:
        raise _Declined from None
    if api_key is None:  # pragma: no cover - bearer_key refuses an empty header
        return None
    lookups = hive.serving.lookups
    cache_key = ("key", hash_key(api_key))
    kept = lookups.get(cache_key)
    if kept is not None:
        return None if kept == _ANONYMOUS else kept
    generation = lookups.generation
    try:
        actor = await anyio.to_thread.run_sync(actor_for_key, hive, api_key)
    except DomainError:  # unknown or revoked: the route answers 401
        raise _Declined from None
    lookups.put(cache_key, actor if actor is not None else _ANONYMOUS, generation)
    return actor


def _locate(hive: Hive, name: str) -> Target | None:
    with read(hive) as session:
        return deployments.locate(session, name)


async def _target(hive: Hive, name: str) -> Target:
    """The deployment and its answering commit, from this second's lookups or the database."""
    lookups = hive.serving.lookups
    cache_key = ("deployment", name)
    kept = lookups.get(cache_key)
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    generation = lookups.generation
    found = await anyio.to_thread.run_sync(_locate, hive, name)
    if found is None:
        raise _Declined
    lookups.put(cache_key, found, generation)
    return found


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` giving the messages already read again, then the connection's."""
    waiting = list(messages)

    async def replayed() -> Message:
        if waiting:
            return waiting.pop(0)
        return await receive()

    return replayed
