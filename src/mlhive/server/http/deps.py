"""Request-scoped helpers: the wired app, the caller, and units of work.

Write access is decided here, once, for every face: a request that is not a read (any method
but GET, HEAD and OPTIONS) needs a key, and that key's scope must be ``write``
(:func:`authorize`). The native API's :func:`required_actor`, the OpenML face's ``caller`` and
the pages' form guard all go through it; no route checks a scope itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import PermissionDenied, Unauthenticated
from mlhive.server.services import accounts
from mlhive.server.wiring import Hive
from mlhive.wire.accounts import KeyScope
from mlhive.wire.errors import ErrorCode

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""The methods that never change anything: a read-only key may use these only."""
READ_ONLY_KEY = (
    "this API key has scope 'read': it reads everything its user may read and writes nothing. "
    "Write with a key of scope 'write': issue one with `mlhive key create` "
    "(POST /api/users/me/keys) authenticated with a write key, or ask an administrator"
)


async def get_hive(request: Request) -> Hive:
    """The application's wiring (built once by create_app).

    A coroutine, as every dependency that does no blocking work: FastAPI runs a plain
    function in its thread pool, a hand-off per dependency per request."""
    state: Hive = request.app.state.hive
    return state


HiveDep = Annotated[Hive, Depends(get_hive)]


@contextmanager
def write(hive: Hive) -> Iterator[Session]:
    """One read-write transaction, committed before the response is built.

    Once it has ended (committed or not), this process forgets the deployments and keys its
    serving path looked up recently, so its next prediction reads what the write changed (an
    alias moved, a key revoked).
    """
    try:
        with transaction(hive.sessions) as session:
            yield session
    finally:
        hive.serving.lookups.invalidate()


@contextmanager
def record(hive: Hive) -> Iterator[Session]:
    """One read-write transaction that only adds to counters (deployments' call counts and
    monitoring): it changes nothing a lookup reads, so recent lookups stay valid."""
    with transaction(hive.sessions) as session:
        yield session


@contextmanager
def read(hive: Hive) -> Iterator[Session]:
    """One read-only transaction (never takes SQLite's write lock)."""
    with transaction(hive.read_sessions) as session:
        yield session


def bearer_key(authorization: str | None) -> str | None:
    """The key from an ``Authorization: Bearer <key>`` header, if any."""
    if not authorization:
        return None
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthenticated(
            "the Authorization header must be 'Bearer <api key>'", code=ErrorCode.INVALID_API_KEY
        )
    return key.strip()


def actor_for_key(hive: Hive, api_key: str | None) -> Actor | None:
    """Resolve an API key to the acting user (None when no key was given)."""
    if api_key is None:
        return None
    with read(hive) as session:
        return accounts.key_actor(session, api_key)


def authorize(actor: Actor, method: str) -> Actor:
    """The one decision on write access: ``actor`` may make a ``method`` request.

    Raises:
        PermissionDenied: (``read_only_key``) the actor's key is read-only and the request
            is not a read.
    """
    if actor.scope is KeyScope.READ and method.upper() not in READ_METHODS:
        raise PermissionDenied(READ_ONLY_KEY, code=ErrorCode.READ_ONLY_KEY)
    return actor


class ApiKeyBearer(SecurityBase):
    """The native API's security scheme: the key as ``Authorization: Bearer <key>``.

    A FastAPI security class, so the OpenAPI document declares the scheme (``apiKey``, HTTP
    bearer) and every operation that depends on it, instead of a plain header parameter.
    Reading the header stays :func:`bearer_key`'s: a header of another scheme (``Basic …``)
    is refused 401, never taken for anonymous, which FastAPI's ``HTTPBearer(auto_error=False)``
    would do. Whether the key is required is decided by :func:`required_actor`, and the
    OpenAPI document says so (see ``api.openapi``).
    """

    def __init__(self) -> None:
        self.model = HTTPBearerModel(
            bearerFormat="mlhive API key",
            description=(
                "An mlhive API key (`mlhive user create`, `POST /api/users/me/keys`) as "
                "`Authorization: Bearer <key>`. Writes need one; reads take one to show the "
                "caller's private objects."
            ),
        )
        self.scheme_name = SCHEME_NAME

    async def __call__(self, request: Request) -> str | None:
        """The key the request carries, or None (raises ``Unauthenticated`` if malformed)."""
        return bearer_key(request.headers.get("authorization"))


SCHEME_NAME = "apiKey"
"""The security scheme's name in the OpenAPI document."""
api_key_bearer = ApiKeyBearer()
ApiKey = Annotated[str | None, Depends(api_key_bearer)]


async def optional_actor(hive: HiveDep, api_key: ApiKey) -> Actor | None:
    """The caller, or None for anonymous reads (a route anyone may call writes nothing, so
    any valid key will do). Only a key is looked up (in the thread pool: it reads the
    database); an anonymous request costs no hand-off."""
    if api_key is None:
        return None
    return await run_in_threadpool(actor_for_key, hive, api_key)


def required_actor(request: Request, hive: HiveDep, api_key: ApiKey) -> Actor:
    """The caller; every write needs an API key, of scope ``write`` (:func:`authorize`)."""
    actor = actor_for_key(hive, api_key)
    if actor is None:
        raise Unauthenticated("this request needs an API key (Authorization: Bearer <key>)")
    return authorize(actor, request.method)


MaybeActor = Annotated[Actor | None, Depends(optional_actor)]
RequiredActor = Annotated[Actor, Depends(required_actor)]
