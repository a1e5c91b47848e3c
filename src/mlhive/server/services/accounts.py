"""Users and API keys: keys are random, shown once, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.accounts import ApiKey, User
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Conflict, NotFound, PermissionDenied, Unauthenticated
from mlhive.wire.errors import ErrorCode

KEY_PREFIX = "mlh_"


def hash_key(api_key: str) -> str:
    """The stored form of a key: SHA-256 suffices, keys carry 256 bits of entropy."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def create_user(session: Session, name: str, *, is_admin: bool = False) -> User:
    """Create a user; raises Conflict if the name is taken."""
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} already exists")
    user = User(name=name, is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def issue_key(session: Session, user: User, label: str = "") -> tuple[ApiKey, str]:
    """Issue a new key for ``user``; returns the row and the secret (never stored)."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(user_id=user.id, key_hash=hash_key(secret), prefix=secret[:12], label=label)
    key.user = user
    session.add(key)
    session.flush()
    return key, secret


def authenticate(session: Session, api_key: str) -> User:
    """The user owning an active ``api_key``; raises Unauthenticated otherwise."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(api_key)))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("the API key is unknown or revoked", code=ErrorCode.INVALID_API_KEY)
    return key.user


def require_admin(actor: Actor) -> None:
    """Raise PermissionDenied unless ``actor`` is an administrator."""
    if not actor.is_admin:
        raise PermissionDenied("only administrators may do this")


def get_user(session: Session, name: str) -> User:
    """A user by name; raises NotFound."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"user {name!r} not found")
    return user


def user_by_id(session: Session, user_id: int) -> User:
    """A user by id; raises NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def list_keys(session: Session, user_id: int) -> list[ApiKey]:
    """All keys of a user, newest first, revoked ones included."""
    return list(
        session.scalars(select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.id.desc()))
    )


def revoke_key(session: Session, actor: Actor, key_id: int) -> ApiKey:
    """Revoke one of ``actor``'s keys (admins may revoke anyone's)."""
    key = session.get(ApiKey, key_id)
    if key is None or (key.user_id != actor.id and not actor.is_admin):
        raise NotFound(f"API key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key
