"""Who is asking, and what they may see or change: the one place that decides access.

An object has an owner (an account: a user, or a team) and a visibility. The rules:

- a public object is seen by everyone; a private one by its owner, the members of the team
  that owns it (any role) and administrators;
- an object is changed by its owner, the ``write`` and ``admin`` members of the team that owns
  it, and administrators (:func:`can_write`);
- the owner's visibility and the team's membership are managed by the owner, the team's
  ``admin`` members and administrators (:func:`can_manage`).

The SQL form of the same rules, for listings, is ``db/queries/access.py``; the similar-datasets
index's vectorised form calls :meth:`Actor.readable`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from mlhive.server.domain.errors import PermissionDenied
from mlhive.wire.accounts import KeyScope


class TeamRole(StrEnum):
    """A member's role in a team: ``read`` sees the team's private objects, ``write`` also
    changes them and adds to them, ``admin`` also manages members and visibility."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


WRITE_ROLES = frozenset({TeamRole.WRITE, TeamRole.ADMIN})


@dataclass(frozen=True)
class Actor:
    """Who is asking: None stands for an anonymous caller.

    ``scope`` is that of the key (or of the key the browser signed in with): a ``read`` actor
    sees all its user may see and changes nothing (``http.deps.authorize`` decides that).
    ``teams`` are ``(team account id, role)`` pairs, loaded once with the key.
    """

    id: int
    name: str
    is_admin: bool
    scope: KeyScope = KeyScope.WRITE
    teams: tuple[tuple[int, TeamRole], ...] = ()

    def role_in(self, team_id: int) -> TeamRole | None:
        """The actor's role in the team ``team_id`` (None: not a member)."""
        return next((role for team, role in self.teams if team == team_id), None)

    def readable(self) -> tuple[int, ...]:
        """The owner ids whose private objects the actor sees: itself and its teams."""
        return (self.id, *(team for team, _ in self.teams))

    def writable(self) -> tuple[int, ...]:
        """The owner ids whose objects the actor changes: itself and its teams it writes to."""
        return (self.id, *(team for team, role in self.teams if role in WRITE_ROLES))


def with_teams(actor: Actor, teams: Iterable[tuple[int, str]]) -> Actor:
    """``actor`` with its team memberships (``(team id, role)`` pairs)."""
    pairs = tuple(sorted((team, TeamRole(role)) for team, role in teams))
    return Actor(actor.id, actor.name, actor.is_admin, actor.scope, pairs)


def can_see(actor: Actor | None, *, owner_id: int, visibility: str) -> bool:
    """Public objects are visible to all; private ones to their owner, its team's members and
    administrators."""
    if visibility == "public":
        return True
    return actor is not None and (actor.is_admin or owner_id in actor.readable())


def can_write(actor: Actor | None, owner_id: int) -> bool:
    """Whether ``actor`` may change an object of ``owner_id``: the owner, the team's writers,
    administrators."""
    return actor is not None and (actor.is_admin or owner_id in actor.writable())


def can_manage(actor: Actor | None, owner_id: int) -> bool:
    """Whether ``actor`` may manage ``owner_id``'s visibility and members: the owner, the
    team's admins, administrators."""
    return actor is not None and (
        actor.is_admin or actor.id == owner_id or actor.role_in(owner_id) is TeamRole.ADMIN
    )


def require_owner(actor: Actor, owner_id: int, what: str) -> None:
    """Only the owner (a team's writers for a team's object) or an admin may change an object."""
    if not can_write(actor, owner_id):
        raise PermissionDenied(f"only the owner of {what} or an administrator may change it")


def require_manager(actor: Actor, owner_id: int, what: str) -> None:
    """Only the owner (a team's admins for a team's object) or an admin may change who sees
    an object."""
    if not can_manage(actor, owner_id):
        raise PermissionDenied(
            f"only the owner of {what} (a team admin for a team's object) or an administrator "
            "may change its visibility"
        )
