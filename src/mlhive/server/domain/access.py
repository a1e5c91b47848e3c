"""Who is asking, and what they may see or change: the one place that decides access.

An object has an owner (an account: a user, or a team) and a visibility. The rules:

- a public object is seen by everyone; a private one by its owner, the members of the team
  that owns it (any role) and administrators;
- an object is changed by its owner, the ``write`` and ``admin`` members of the team that owns
  it, and administrators (:func:`can_write`);
- the owner's visibility and the team's membership are managed by the owner, the team's
  ``admin`` members and administrators (:func:`can_manage`);
- a *collaborator grant* (accepted through an open call) adds exactly one object to what a
  user sees (role ``read``) or sees and changes (role ``write``): the object the call names,
  nothing the object's owner has besides, and never the owner's management rights (visibility,
  deletion, members). A check that honours grants names the object (``subject=(kind, id)``);
  one that does not is owner-only by design.

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

GrantKind = str
"""The kind of a granted object: ``dataset``, ``task`` or ``model`` (a repository)."""
SubjectRef = tuple[GrantKind, int]
"""An object a check is about, ``(kind, id)``: grants on it count."""


@dataclass(frozen=True, order=True)
class Grant:
    """A collaborator's access to one object: ``read`` sees it, ``write`` also changes it."""

    kind: GrantKind
    object_id: int
    role: TeamRole


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
    grants: tuple[Grant, ...] = ()

    def role_in(self, team_id: int) -> TeamRole | None:
        """The actor's role in the team ``team_id`` (None: not a member)."""
        return next((role for team, role in self.teams if team == team_id), None)

    def readable(self) -> tuple[int, ...]:
        """The owner ids whose private objects the actor sees: itself and its teams."""
        return (self.id, *(team for team, _ in self.teams))

    def writable(self) -> tuple[int, ...]:
        """The owner ids whose objects the actor changes: itself and its teams it writes to."""
        return (self.id, *(team for team, role in self.teams if role in WRITE_ROLES))

    def granted(self, kind: GrantKind, *, write: bool = False) -> tuple[int, ...]:
        """The ids of the ``kind`` objects granted to the actor (to change, with ``write``)."""
        return tuple(
            sorted(
                {
                    g.object_id
                    for g in self.grants
                    if g.kind == kind and (not write or g.role in WRITE_ROLES)
                }
            )
        )

    def holds(self, subject: SubjectRef | None, *, write: bool = False) -> bool:
        """Whether a grant gives the actor ``subject`` (to change, with ``write``)."""
        return subject is not None and subject[1] in self.granted(subject[0], write=write)


def with_teams(actor: Actor, teams: Iterable[tuple[int, str]]) -> Actor:
    """``actor`` with its team memberships (``(team id, role)`` pairs)."""
    pairs = tuple(sorted((team, TeamRole(role)) for team, role in teams))
    return Actor(actor.id, actor.name, actor.is_admin, actor.scope, pairs, actor.grants)


def with_grants(actor: Actor, grants: Iterable[tuple[str, int, str]]) -> Actor:
    """``actor`` with its collaborator grants (``(kind, object id, role)`` triples)."""
    found = tuple(sorted(Grant(kind, oid, TeamRole(role)) for kind, oid, role in grants))
    return Actor(actor.id, actor.name, actor.is_admin, actor.scope, actor.teams, found)


def can_see(
    actor: Actor | None, *, owner_id: int, visibility: str, subject: SubjectRef | None = None
) -> bool:
    """Public objects are visible to all; private ones to their owner, its team's members,
    administrators, and a collaborator granted ``subject`` itself."""
    if visibility == "public":
        return True
    return actor is not None and (
        actor.is_admin or owner_id in actor.readable() or actor.holds(subject)
    )


def can_write(actor: Actor | None, owner_id: int, subject: SubjectRef | None = None) -> bool:
    """Whether ``actor`` may change an object of ``owner_id``: the owner, the team's writers,
    administrators, and a collaborator granted write on ``subject`` itself."""
    return actor is not None and (
        actor.is_admin or owner_id in actor.writable() or actor.holds(subject, write=True)
    )


def can_manage(actor: Actor | None, owner_id: int) -> bool:
    """Whether ``actor`` may manage ``owner_id``'s visibility and members: the owner, the
    team's admins, administrators."""
    return actor is not None and (
        actor.is_admin or actor.id == owner_id or actor.role_in(owner_id) is TeamRole.ADMIN
    )


def require_owner(
    actor: Actor, owner_id: int, what: str, subject: SubjectRef | None = None
) -> None:
    """Only the owner (a team's writers for a team's object), an admin, or (when the check
    names ``subject``) a collaborator granted write on it may change an object."""
    if not can_write(actor, owner_id, subject):
        raise PermissionDenied(f"only the owner of {what} or an administrator may change it")


def require_manager(actor: Actor, owner_id: int, what: str) -> None:
    """Only the owner (a team's admins for a team's object) or an admin may change who sees
    an object."""
    if not can_manage(actor, owner_id):
        raise PermissionDenied(
            f"only the owner of {what} (a team admin for a team's object) or an administrator "
            "may change its visibility"
        )
