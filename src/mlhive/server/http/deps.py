"""Request-scoped helpers: the wired app, the caller, and units of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Unauthenticated
from mlhive.server.services import accounts
from mlhive.server.wiring import Hive
from mlhive.wire.errors import ErrorCode


def get_hive(request: Request) -> Hive:
    """The application's wiring (built once by create_app)."""
    state: Hive = request.app.state.hive
    return state


HiveDep = Annotated[Hive, Depends(get_hive)]


@contextmanager
def write(hive: Hive) -> Iterator[Session]:
    """One read-write transaction, committed before the response is built."""
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
        user = accounts.authenticate(session, api_key)
        return Actor(id=user.id, name=user.name, is_admin=user.is_admin)


def optional_actor(
    hive: HiveDep, authorization: Annotated[str | None, Header()] = None
) -> Actor | None:
    """The caller, or None for anonymous reads."""
    return actor_for_key(hive, bearer_key(authorization))


def required_actor(hive: HiveDep, authorization: Annotated[str | None, Header()] = None) -> Actor:
    """The caller; every write needs an API key."""
    actor = optional_actor(hive, authorization)
    if actor is None:
        raise Unauthenticated("this request needs an API key (Authorization: Bearer <key>)")
    return actor


MaybeActor = Annotated[Actor | None, Depends(optional_actor)]
RequiredActor = Annotated[Actor, Depends(required_actor)]
