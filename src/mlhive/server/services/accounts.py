"""Users, API keys and browser sessions.

Keys are random, shown once, stored as a SHA-256 hash and revocable. A key has a scope: ``write``
(the default) or ``read``, which reads all its user may read and writes nothing. A browser signs
in with a key and gets a session token (the cookie) that is stored the same way and has the key's
scope; revoking the key, signing out or the session's age ends it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.queries.text import contains
from mlhive.server.db.tables.accounts import (
    ApiKey,
    BrowserSession,
    ObjectCollaborator,
    TeamMember,
    User,
)
from mlhive.server.domain.access import Actor, can_write, with_grants, with_teams
from mlhive.server.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from mlhive.wire.accounts import KeyScope, ProfileOut, UserOut
from mlhive.wire.errors import ErrorCode

KEY_PREFIX = "mlh_"


def hash_key(api_key: str) -> str:
    """The stored form of a key: SHA-256 suffices, keys carry 256 bits of entropy."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def create_user(session: Session, name: str, *, is_admin: bool = False) -> User:
    """Create a user; raises Conflict if the name is taken (by a user or a team)."""
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"the name {name!r} is taken by another user or team")
    user = User(name=name, is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def issue_key(
    session: Session, user: User, label: str = "", scope: KeyScope = KeyScope.WRITE
) -> tuple[ApiKey, str]:
    """Issue a new key for ``user``; returns the row and the secret (never stored).

    Raises:
        Conflict: ``user`` is a team, which never signs in (its members act for it).
    """
    if user.kind != "user":
        raise Conflict(f"{user.name!r} is a team: its members act for it with their own keys")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        user_id=user.id,
        key_hash=hash_key(secret),
        prefix=secret[:12],
        label=label,
        scope=scope.value,
    )
    key.user = user
    session.add(key)
    session.flush()
    return key, secret


def active_key(session: Session, api_key: str) -> ApiKey:
    """The active key row for the secret ``api_key``; raises Unauthenticated otherwise."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(api_key)))
    if key is None or key.revoked_at is not None or key.user.kind != "user":
        raise Unauthenticated("the API key is unknown or revoked", code=ErrorCode.INVALID_API_KEY)
    return key


def authenticate(session: Session, api_key: str) -> User:
    """The user owning an active ``api_key``; raises Unauthenticated otherwise."""
    return active_key(session, api_key).user


def _actor(session: Session, user: User, key: ApiKey) -> Actor:
    return actor_of(session, user, KeyScope(key.scope))


def actor_of(session: Session, user: User, scope: KeyScope = KeyScope.WRITE) -> Actor:
    """``user`` as an actor, with its teams and roles and its collaborator grants (read on
    every request, so a revoked grant is gone on the next one): the requests' actor, and the
    one a job acts as for the user who queued it."""
    actor = Actor(id=user.id, name=user.name, is_admin=user.is_admin, scope=scope)
    rows = session.execute(
        select(TeamMember.team_id, TeamMember.role).where(TeamMember.user_id == user.id)
    )
    actor = with_teams(actor, [(team, role) for team, role in rows])
    grants = session.execute(
        select(
            ObjectCollaborator.subject_kind,
            ObjectCollaborator.subject_id,
            ObjectCollaborator.role,
        ).where(ObjectCollaborator.user_id == user.id)
    )
    return with_grants(actor, [(kind, oid, role) for kind, oid, role in grants])


def owner_for(session: Session, actor: Actor, owner: str | None) -> int:
    """The account that will own what ``actor`` creates: itself, or the team ``owner`` names
    (one the actor writes to).

    Raises:
        InvalidInput: ``owner`` names no team.
        PermissionDenied: the actor is not a ``write`` or ``admin`` member of that team.
    """
    if owner is None or owner == actor.name:
        return actor.id
    team = session.scalar(select(User).where(User.name == owner, User.kind == "team"))
    if team is None:
        raise InvalidInput(
            f"owner: there is no team named {owner!r}; leave owner out to own it yourself",
            field="owner",
        )
    if not can_write(actor, team.id):
        raise PermissionDenied(
            f"only the team's write and admin members may create objects owned by {owner!r}"
        )
    return team.id


def key_actor(session: Session, api_key: str) -> Actor:
    """Who acts with an active ``api_key``, with the key's scope; raises Unauthenticated."""
    key = active_key(session, api_key)
    return _actor(session, key.user, key)


def open_session(session: Session, api_key: str, lifetime: timedelta) -> tuple[User, str]:
    """Sign a browser in with ``api_key``; returns the user and the session token (never stored).

    Raises:
        Unauthenticated: the key is unknown or revoked.
    """
    key = active_key(session, api_key)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        BrowserSession(
            user_id=key.user_id,
            key_id=key.id,
            token_hash=hash_key(token),
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return key.user, token


def session_actor(session: Session, token: str) -> Actor | None:
    """Who acts with a live session token, with the scope of the key it was opened with;
    None when the session is unknown, ended or expired."""
    row = _live_session(session, token)
    return _actor(session, row.user, row.key) if row is not None else None


def _live_session(session: Session, token: str) -> BrowserSession | None:
    row = session.scalar(select(BrowserSession).where(BrowserSession.token_hash == hash_key(token)))
    if row is None or row.revoked_at is not None or row.key.revoked_at is not None:
        return None
    return row if row.expires_at > utcnow() else None


def close_session(session: Session, token: str) -> bool:
    """End a session (sign-out); True when a live session was ended."""
    row = session.scalar(select(BrowserSession).where(BrowserSession.token_hash == hash_key(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


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


def sees_role(actor: Actor | None, user: User) -> bool:
    """Whether ``actor`` may know if ``user`` is an administrator: themselves and admins.

    Who administers a server tells an attacker whose key is worth stealing.
    """
    return actor is not None and (actor.is_admin or actor.id == user.id)


def profile(session: Session, actor: Actor | None, name: str) -> UserOut | ProfileOut:
    """A user's public profile, with their role for those who may see it."""
    user = get_user(session, name)
    model = UserOut if sees_role(actor, user) else ProfileOut
    return model.model_validate(user)


def count_users(session: Session) -> int:
    """How many people have an account."""
    stmt = select(func.count()).select_from(User).where(User.kind == "user")
    return int(session.scalar(stmt) or 0)


def search_users(session: Session, text: str, limit: int) -> list[User]:
    """People and teams whose name contains ``text`` (case-insensitive), by name."""
    stmt = select(User).where(contains(User.name, text))
    return list(session.scalars(stmt.order_by(User.name).limit(limit)))


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
