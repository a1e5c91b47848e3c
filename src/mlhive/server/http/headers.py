"""Headers every response carries, whichever face or route produced it."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    # Browsers must not guess a type: a downloaded CSV, ARFF or model file is never run as
    # HTML or script, whatever its bytes look like.
    "X-Content-Type-Options": "nosniff",
}


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every HTTP response (kept when a route set them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
