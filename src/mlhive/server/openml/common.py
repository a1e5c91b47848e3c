"""What every route of the face shares: the caller, form fields, path filters, paging.

OpenML's clients send the API key as the ``api_key`` query parameter (GET, DELETE) or form
field (POST). As on OpenML (its ``Api_new::bootstrap``), authentication comes before anything
else, even before the call is looked up: a request that is not a GET needs a key (102), a key
that is given must be valid whatever the method (103), and a read-only key can only make GET
calls (104).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import PermissionDenied, Unauthenticated
from mlhive.server.domain.limits import storable_id
from mlhive.server.http.deps import actor_for_key, authorize, read, write
from mlhive.server.openml.errors import OpenMLError
from mlhive.server.wiring import Hive

__all__ = ["Filters", "caller", "form_text", "hive", "read", "write"]

T = TypeVar("T")
# Form fields are small; files (descriptions, data) arrive as file parts.
MAX_FORM_TEXT = 64 * 1024 * 1024


def hive(request: Request) -> Hive:
    """The wired application (the face is a sub-application sharing the main one's Hive)."""
    state: Hive = request.app.state.hive
    return state


async def caller(request: Request) -> AsyncIterator[None]:
    """Router dependency: resolve the API key into ``request.state.actor`` (or fail); close
    the uploaded files of the request's form once it is answered."""
    try:
        await _resolve(request)
        yield
    finally:
        await request.close()


# OpenML's words when a read-only account writes; mlhive's explanation follows them.
READ_ONLY = "API calls of the read-only user can only be of type GET. "


async def _resolve(request: Request) -> None:
    request.state.actor = await authenticate(request)


async def authenticate(request: Request) -> Actor | None:
    """The caller of an OpenML request, checked as OpenML checks it (102, 103, 104)."""
    key = request.query_params.get("api_key")
    if key is None and request.method == "POST":
        form = await request.form()
        value = form.get("api_key")
        key = value if isinstance(value, str) else None
    if not key:
        if request.method not in ("GET", "HEAD"):
            raise OpenMLError(102)
        return None
    try:
        actor = await run_in_threadpool(actor_for_key, hive(request), key)
    except Unauthenticated:
        raise OpenMLError(103) from None
    if actor is None:  # a key was given, so there is an actor; typed for mypy
        raise OpenMLError(103)
    try:
        return authorize(actor, request.method)
    except PermissionDenied as exc:
        raise OpenMLError(104, READ_ONLY + exc.detail) from None


def actor(request: Request) -> Actor | None:
    """The caller resolved by :func:`caller` (None: anonymous read)."""
    found: Actor | None = getattr(request.state, "actor", None)
    return found


def required(request: Request) -> Actor:
    """The caller, who must have given a key."""
    found = actor(request)
    if found is None:
        raise OpenMLError(102)
    return found


async def form_text(form: FormData, name: str) -> str | None:
    """A form field's text, whether it came as a plain field or as a file part."""
    value = form.get(name)
    if value is None:
        return None
    if isinstance(value, UploadFile):
        data = await value.read(MAX_FORM_TEXT + 1)
        if len(data) > MAX_FORM_TEXT:
            raise OpenMLError(100, f"{name}: too large")
        return data.decode("utf-8", errors="replace")
    return value


async def threaded(function: Callable[..., T], *args: Any) -> T:
    """Run blocking work (database, files) off the event loop."""
    return await run_in_threadpool(function, *args)


class Filters:
    """OpenML's path-segment filters: ``/tag/x/limit/10/offset/20`` after a list call."""

    def __init__(self, path: str, legal: Sequence[str], illegal_code: int) -> None:
        parts = [part for part in path.split("/") if part]
        if len(parts) % 2:
            raise OpenMLError(illegal_code, f"filter {parts[-1]!r} has no value")
        self.values: dict[str, str] = {}
        for name, value in zip(parts[::2], parts[1::2], strict=True):
            if name not in legal:
                raise OpenMLError(
                    illegal_code,
                    f"legal filters: {', '.join(legal)}; found illegal filter {name!r}",
                )
            self.values[name] = value

    def text(self, name: str) -> str | None:
        """A filter's raw value."""
        return self.values.get(name)

    def integer(self, name: str, code: int) -> int | None:
        """A filter that must be a natural number the database can store."""
        value = self.values.get(name)
        if value is None:
            return None
        if not storable_id(value):
            raise OpenMLError(code, f"{name} must be a natural number, not {value!r}")
        return int(value)

    def integers(self, name: str, code: int) -> tuple[int, ...]:
        """A filter holding a comma-separated list of ids."""
        value = self.values.get(name)
        if value is None:
            return ()
        items = [item for item in value.split(",") if item]
        if not items or not all(storable_id(item) for item in items):
            raise OpenMLError(code, f"{name} must be comma-separated ids, not {value!r}")
        return tuple(int(item) for item in items)

    def page(self, code: int, default_limit: int = 10_000) -> tuple[int, int]:
        """``(limit, offset)``; OpenML refuses an offset without a limit, mlhive caps limits."""
        limit = self.integer("limit", code)
        offset = self.integer("offset", code) or 0
        return min(limit if limit is not None else default_limit, 10_000), offset


__all__ += ["actor", "required", "threaded"]
