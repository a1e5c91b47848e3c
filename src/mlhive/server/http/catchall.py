"""The last line of defence: an unexpected failure is logged with its traceback and answered
with a 500 document, and the connection stays usable.

An ``Exception`` handler would not do: Starlette's outermost middleware answers with it and
then re-raises, and uvicorn, seeing the application fail after a response has started, closes
the connection without a ``Connection: close`` header, so a client's next request on that
keep-alive connection fails too. A failure caught here ends like any other response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class CatchAll:
    """ASGI middleware: answer an unhandled exception with ``answer(scope)`` and log it once.

    Args:
        app: the application to guard.
        answer: builds the 500 response (problem+json, or an ``oml:error`` document).
        logger: where the traceback goes.

    When the failure comes after the response has started, nothing can be answered any more:
    the exception goes on to the server, which logs it and closes the connection, as it must
    for a response cut short.
    """

    def __init__(
        self, app: ASGIApp, answer: Callable[[Scope], Response], logger: logging.Logger
    ) -> None:
        self.app = app
        self.answer = answer
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:
                raise
            self.logger.exception(
                "unhandled error on %s %s", scope.get("method"), scope.get("path")
            )
            await self.answer(scope)(scope, receive, send)
