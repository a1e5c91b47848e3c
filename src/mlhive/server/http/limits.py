"""ASGI middleware that caps request bodies at ``max_upload_bytes`` with a 413 problem."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlhive.server.domain.errors import PayloadTooLarge


class BodyLimit:
    """Refuse bodies over ``limit`` bytes: up front from Content-Length, else while reading."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _problem(self, path: str) -> tuple[Message, Message]:
        body = json.dumps(
            {
                "type": "urn:mlhive:error:payload_too_large",
                "title": "Payload too large",
                "status": 413,
                "detail": f"the request body exceeds the server's limit of {self.limit} bytes",
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            for message in self._problem(scope["path"]):
                await send(message)
            return
        state: dict[str, Any] = {"received": 0, "exceeded": False, "answered": False}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.limit:
                    state["exceeded"] = True
                    raise PayloadTooLarge(f"the request body exceeds {self.limit} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            if not state["exceeded"]:
                await send(message)
            elif not state["answered"]:
                state["answered"] = True
                for reply in self._problem(scope["path"]):
                    await send(reply)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except PayloadTooLarge:
            if not state["answered"]:
                await guarded_send({"type": "http.response.start"})
