"""Who is asking, and what they may see or change."""

from __future__ import annotations

from dataclasses import dataclass

from mlhive.server.domain.errors import PermissionDenied
from mlhive.wire.accounts import KeyScope


@dataclass(frozen=True)
class Actor:
    """Who is asking: None stands for an anonymous caller.

    ``scope`` is that of the key (or of the key the browser signed in with): a ``read`` actor
    sees all its user may see and changes nothing (``http.deps.authorize`` decides that).
    """

    id: int
    name: str
    is_admin: bool
    scope: KeyScope = KeyScope.WRITE


def can_see(actor: Actor | None, *, owner_id: int, visibility: str) -> bool:
    """Public objects are visible to all; private ones to their owner and admins."""
    if visibility == "public":
        return True
    return actor is not None and (actor.is_admin or actor.id == owner_id)


def require_owner(actor: Actor, owner_id: int, what: str) -> None:
    """Only the owner (or an admin) may change an object."""
    if not (actor.is_admin or actor.id == owner_id):
        raise PermissionDenied(f"only the owner of {what} or an administrator may change it")
