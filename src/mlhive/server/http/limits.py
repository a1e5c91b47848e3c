"""ASGI middleware that refuse oversized request bodies with a 413 problem, before any parser:

- :class:`BodyLimit` caps the bytes at ``max_upload_bytes``;
- :class:`FormPartsLimit` caps the parts of a multipart body at ``max_form_parts``, counting
  boundaries as the body streams in (a C-speed ``bytes.count``), so a body of 10 000 tiny
  parts never reaches the form parser, which would build an object (or a temporary file) for
  each on the event loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlhive.server.domain.errors import PayloadTooLarge


def too_large(path: str, detail: str) -> tuple[Message, Message]:
    """The 413 problem+json messages (the connection closes: the body is left unread)."""
    body = json.dumps(
        {
            "type": "urn:mlhive:error:payload_too_large",
            "title": "Payload too large",
            "status": 413,
            "detail": detail,
            "code": "payload_too_large",
            "instance": path,
        }
    ).encode()
    start = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


async def refuse_while_reading(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    check: Callable[[bytes], str | None],
) -> None:
    """Run ``app``, passing each body chunk to ``check`` first; when it returns a reason,
    the app's reading fails and the client gets the 413 (unless a response had started)."""
    state: dict[str, Any] = {"reason": None, "answered": False}

    async def checked_receive() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            reason = check(message.get("body", b""))
            if reason is not None:
                state["reason"] = reason
                raise PayloadTooLarge(reason)
        return message

    async def guarded_send(message: Message) -> None:
        if state["reason"] is None:
            await send(message)
        elif not state["answered"]:
            state["answered"] = True
            for reply in too_large(scope["path"], state["reason"]):
                await send(reply)

    try:
        await app(scope, checked_receive, guarded_send)
    except PayloadTooLarge:
        if not state["answered"]:
            await guarded_send({"type": "http.response.start"})


class BodyLimit:
    """Refuse bodies over ``limit`` bytes: up front from Content-Length, else while reading."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = f"the request body exceeds the server's limit of {self.limit} bytes"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            for message in too_large(scope["path"], detail):
                await send(message)
            return
        received = 0

        def check(chunk: bytes) -> str | None:
            nonlocal received
            received += len(chunk)
            return detail if received > self.limit else None

        await refuse_while_reading(self.app, scope, receive, send, check)


def multipart_boundary(content_type: bytes) -> bytes | None:
    """The boundary of a ``multipart/form-data`` Content-Type, or None for other bodies."""
    kind, _, params = content_type.partition(b";")
    if kind.strip().lower() != b"multipart/form-data":
        return None
    for param in params.split(b";"):
        name, _, value = param.strip().partition(b"=")
        if name.lower() == b"boundary" and value.strip(b'"'):
            return value.strip(b'"')
    return None


class FormPartsLimit:
    """Refuse multipart bodies with more than ``limit`` parts (fields and files together)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        boundary = None
        if scope["type"] == "http":
            boundary = multipart_boundary(dict(scope["headers"]).get(b"content-type", b""))
        if boundary is None:
            await self.app(scope, receive, send)
            return
        delimiter = b"--" + boundary
        delimiters, tail = 0, b""
        detail = (
            f"the form has more than {self.limit} parts (the server's max_form_parts): "
            "send fewer fields and files in one request"
        )

        def check(chunk: bytes) -> str | None:
            nonlocal delimiters, tail
            data = tail + chunk  # a delimiter may straddle two chunks
            delimiters += data.count(delimiter)
            tail = data[-(len(delimiter) - 1) :]
            # n parts have n opening delimiters and one closing one
            return detail if delimiters - 1 > self.limit else None

        await refuse_while_reading(self.app, scope, receive, send, check)
