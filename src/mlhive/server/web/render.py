"""Templates, safe Markdown and the response helpers every page uses.

Autoescaping is on for every template, so a name, tag or filename can never become markup;
Markdown is the one place HTML is produced from user text, and it is rendered with raw HTML
disabled and then cleaned by nh3 (an allow-list sanitiser), so a ``<script>`` stays text.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

import nh3
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.types import Scope

from mlhive._version import __version__
from mlhive.wire.flows import short_flow_name

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}

# Pages never need scripts from elsewhere, inline scripts or eval: a strict policy turns any
# injection that slipped past escaping into a console error instead of running code.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"]
    )


def markdown(text: str | None) -> Markup:
    """``text`` as sanitised HTML (raw HTML in the source stays visible text)."""
    if not text:
        return Markup("")
    html = _markdown().render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def as_json(value: Any) -> Markup:
    """``value`` as JSON safe inside ``<script type="application/json">`` (no ``</``, no ``<!``)."""
    text = json.dumps(value, separators=(",", ":"), default=str)
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - every character that could end the script is escaped


def short_name(flow_name: str) -> str:
    """A flow's name without module paths: ``Pipeline(model=RandomForestClassifier)``."""
    return short_flow_name(flow_name)


def when(value: datetime | None) -> str:
    """A timestamp the way pages show it (UTC, to the minute)."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def number(value: float | int | None, digits: int = 4) -> str:
    """A measure or quality for a table cell: integers whole, others to ``digits`` places."""
    if value is None:
        return "—"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return (
        f"{value:.{digits}g}" if abs(value) >= 1e4 or abs(value) < 1e-3 else f"{value:.{digits}f}"
    )


@cache
def templates() -> Jinja2Templates:
    """The template set (built once, on first use)."""
    env = Environment(
        loader=PackageLoader("mlhive.server.web", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        markdown=markdown, as_json=as_json, when=when, number=number, short_name=short_name
    )
    env.globals.update(version=__version__)
    return Jinja2Templates(env=env)


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """Render template ``name`` for ``request`` (the viewer comes from the request's state)."""
    viewer = getattr(request.state, "viewer", None)
    full = {"viewer": viewer, "path": request.url.path, **(context or {})}
    response = templates().TemplateResponse(request, name, full, status_code=status)
    response.headers.update(PAGE_HEADERS)
    return response


TITLES = {
    400: "Bad request",
    401: "Sign in needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported format",
    422: "Cannot do that",
    429: "Slow down",
    500: "Something broke",
}


def rate_limited_page(scope: Scope, detail: str, retry_after: int) -> HTMLResponse:
    """The 429 page of a browser over its budget (``retry_after`` in seconds)."""
    response = render_error(Request(scope), 429, detail)
    response.headers["Retry-After"] = str(retry_after)
    return response


def render_error(request: Request, status: int, detail: str) -> HTMLResponse:
    """An error page saying what went wrong (the same words the API would use)."""
    title = TITLES.get(status, "Error")
    return page(request, "error.html", {"title": title, "detail": detail}, status=status)
