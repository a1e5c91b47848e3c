"""ASGI middleware that refuses requests whose ``Host`` header the server does not trust.

Pages and OpenML documents build absolute URLs (``oml:url``, ``parquet_url``, download
links) from the request's host when no public URL is configured; a forged ``Host`` would
put an attacker's address into them (and into any cache in front), and lets a DNS-rebinding
page talk to a server on loopback. With ``public_url`` set, every absolute URL comes from
it and the header is not needed; without it, only the hosts in ``trusted_hosts`` pass.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port: ``[::1]:8000`` → ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    name, colon, port = header.rpartition(":")
    return name if colon and port.isdigit() and ":" not in name else header


class TrustedHosts:
    """Answer 400 to a request naming a host outside ``trusted`` (``*`` trusts any)."""

    def __init__(self, app: ASGIApp, trusted: frozenset[str], public_url: str) -> None:
        self.app = app
        self.trusted = frozenset(name.lower() for name in trusted)
        self.open = bool(public_url) or "*" in self.trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = Headers(scope=scope).get("host") if scope["type"] == "http" else None
        # No Host header (HTTP/1.0): URLs then name the address the server listens on.
        if self.open or header is None or host_name(header) in self.trusted:
            await self.app(scope, receive, send)
            return
        name = host_name(header)
        detail = (
            f"the Host header names {name!r}, which this server does not trust: add it to "
            "MLHIVE_TRUSTED_HOSTS (comma-separated) or set MLHIVE_PUBLIC_URL"
        )
        body = json.dumps(
            {
                "type": "urn:mlhive:error:invalid_input",
                "title": "Untrusted host",
                "status": 400,
                "detail": detail,
                "code": "invalid_input",
                "instance": scope["path"],
            }
        ).encode()
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})
