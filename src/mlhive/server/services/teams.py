"""Teams: accounts that own objects like a user, whose members act for them by role.

A team is a row of ``users`` of kind ``team`` (so every ``owner_id`` column, ``owner/name``
path and ``owner`` field works for it) that has no keys and never signs in. Its members have a
role (``read``, ``write``, ``admin``; what each may do is ``domain/access.py``). An admin
invites a user (a token, shown once, that expires); the user accepts or declines it.

Leaving: a member leaves (or an admin removes them) at once: the next request is made without
the team, so its private objects are out of reach. What the team owns stays the team's; what the
member owns stays theirs. A team always keeps an admin: the last one hands over first.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.queries.access import visible
from mlhive.server.db.tables.accounts import TeamInvitation, TeamMember, User
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.forge import ModelRepo
from mlhive.server.domain.access import Actor, can_manage
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mlhive.server.services import accounts, activity
from mlhive.wire.teams import (
    InvitationOut,
    MemberOut,
    TeamDatasetOut,
    TeamModelOut,
    TeamOut,
    TeamRole,
)

INVITE_PREFIX = "mlt_"


def create_team(session: Session, actor: Actor, name: str) -> User:
    """A new team named ``name``, with ``actor`` as its first admin.

    Raises:
        Conflict: a user or a team has that name.
    """
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"the name {name!r} is taken by another user or team")
    team = User(name=name, is_admin=False, kind="team")
    session.add(team)
    session.flush()
    session.add(TeamMember(team_id=team.id, user_id=actor.id, role=TeamRole.ADMIN.value))
    session.flush()
    return team


def get_team(session: Session, name: str, *, lock: bool = False) -> User:
    """The team named ``name`` (``lock``: its row locked until the transaction ends, so two
    admins stepping down at once cannot both pass the last-admin check); raises NotFound."""
    stmt = select(User).where(User.name == name, User.kind == "team")
    team = session.scalar(stmt.with_for_update() if lock else stmt)
    if team is None:
        raise NotFound(f"team {name!r} not found")
    return team


def members(session: Session, team: User) -> list[TeamMember]:
    """The team's members, by name."""
    stmt = (
        select(TeamMember)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id == team.id)
        .order_by(User.name)
    )
    return list(session.scalars(stmt))


def describe(session: Session, actor: Actor | None, name: str) -> TeamOut:
    """The team, its members and the datasets and models it owns that ``actor`` may see."""
    team = get_team(session, name)
    datasets = session.scalars(
        select(Dataset)
        .where(
            Dataset.uploader_id == team.id,
            visible(actor, Dataset.uploader_id, Dataset.visibility),
        )
        .order_by(Dataset.id)
    )
    models = session.scalars(
        select(ModelRepo)
        .where(
            ModelRepo.owner_id == team.id,
            visible(actor, ModelRepo.owner_id, ModelRepo.visibility),
        )
        .order_by(ModelRepo.name)
    )
    return TeamOut(
        id=team.id,
        name=team.name,
        created_at=team.created_at,
        members=[
            MemberOut(name=m.user.name, role=TeamRole(m.role), since=m.created_at)
            for m in members(session, team)
        ],
        datasets=[
            TeamDatasetOut(id=d.id, name=d.name, version=d.version, visibility=d.visibility)
            for d in datasets
        ],
        models=[
            TeamModelOut(full_name=f"{team.name}/{r.name}", visibility=r.visibility) for r in models
        ],
    )


def teams_of(session: Session, user_id: int) -> list[tuple[str, TeamRole]]:
    """The teams ``user_id`` is a member of, with their role, by name."""
    stmt = (
        select(User.name, TeamMember.role)
        .join(TeamMember, TeamMember.team_id == User.id)
        .where(TeamMember.user_id == user_id)
        .order_by(User.name)
    )
    return [(team, TeamRole(role)) for team, role in session.execute(stmt)]


def _require_admin(actor: Actor, team: User) -> None:
    if not can_manage(actor, team.id):
        raise PermissionDenied(f"only the admins of team {team.name!r} may manage its members")


def _membership(session: Session, team: User, user_name: str) -> TeamMember:
    user = session.scalar(select(User).where(User.name == user_name, User.kind == "user"))
    row = None if user is None else session.get(TeamMember, (team.id, user.id))
    if row is None:
        raise NotFound(f"{user_name!r} is not a member of team {team.name!r}")
    return row


def _admins(session: Session, team: User) -> int:
    stmt = select(func.count()).where(
        TeamMember.team_id == team.id, TeamMember.role == TeamRole.ADMIN.value
    )
    return int(session.scalar(stmt) or 0)


def invite(
    session: Session,
    actor: Actor,
    name: str,
    user_name: str,
    role: TeamRole,
    lifetime: timedelta,
) -> tuple[TeamInvitation, str]:
    """Invite ``user_name`` into the team with ``role``; returns the invitation and its token
    (shown once: the user accepts or declines with it).

    Raises:
        PermissionDenied: the actor is not an admin of the team.
        InvalidInput: no such user.
        Conflict: the user is a member already.
    """
    team = get_team(session, name)
    _require_admin(actor, team)
    user = session.scalar(select(User).where(User.name == user_name, User.kind == "user"))
    if user is None:
        raise InvalidInput(f"user: there is no user named {user_name!r}", field="user")
    if session.get(TeamMember, (team.id, user.id)) is not None:
        raise Conflict(f"{user_name!r} is a member of team {name!r} already")
    token = INVITE_PREFIX + secrets.token_urlsafe(32)
    invitation = TeamInvitation(
        team_id=team.id,
        user_id=user.id,
        role=role.value,
        token_hash=accounts.hash_key(token),
        invited_by=actor.id,
        expires_at=utcnow() + lifetime,
        state="pending",
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def answer(session: Session, actor: Actor, token: str, *, accept: bool) -> TeamInvitation:
    """Accept (join the team with the invitation's role) or decline an invitation.

    Raises:
        NotFound: no invitation with that token for the actor.
        Conflict: it was answered already, or it expired.
    """
    invitation = session.scalar(
        select(TeamInvitation).where(TeamInvitation.token_hash == accounts.hash_key(token))
    )
    if invitation is None or invitation.user_id != actor.id:
        raise NotFound("no invitation with that token for you")
    if invitation.state != "pending":
        raise Conflict(f"the invitation was {invitation.state} already")
    if invitation.expires_at <= utcnow():
        raise Conflict(
            f"the invitation expired at {invitation.expires_at:%Y-%m-%d %H:%M} UTC; "
            "ask a team admin for a new one"
        )
    invitation.state = "accepted" if accept else "declined"
    invitation.answered_at = utcnow()
    if accept and session.get(TeamMember, (invitation.team_id, actor.id)) is None:
        session.add(TeamMember(team_id=invitation.team_id, user_id=actor.id, role=invitation.role))
        session.flush()
        activity.record(
            session, actor.id, "team.joined", activity.TEAM, invitation.team_id,
            extra={"member": actor.name, "role": invitation.role}, owners=(),
        )  # fmt: skip
    session.flush()
    return invitation


def set_role(session: Session, actor: Actor, name: str, user_name: str, role: TeamRole) -> None:
    """Change a member's role (team admins).

    Raises:
        Conflict: it would leave the team without an admin.
    """
    team = get_team(session, name, lock=True)
    _require_admin(actor, team)
    row = _membership(session, team, user_name)
    if row.role == TeamRole.ADMIN and role != TeamRole.ADMIN and _admins(session, team) == 1:
        raise Conflict(
            f"{user_name!r} is the last admin of team {name!r}: make another member admin first"
        )
    row.role = role.value
    session.flush()
    activity.record(
        session, actor.id, "team.role", activity.TEAM, team.id,
        extra={"member": user_name, "role": role.value}, owners=[row.user_id],
    )  # fmt: skip


def remove(session: Session, actor: Actor, name: str, user_name: str) -> None:
    """Remove a member (team admins), or leave (a member removing themselves).

    The team's objects stay the team's and the member's stay theirs; the member no longer
    sees the team's private objects from their next request on.

    Raises:
        PermissionDenied: removing someone else without being a team admin.
        Conflict: the last admin would leave the team without one.
    """
    team = get_team(session, name, lock=True)
    if user_name != actor.name:
        _require_admin(actor, team)
    row = _membership(session, team, user_name)
    if row.role == TeamRole.ADMIN and _admins(session, team) == 1:
        raise Conflict(
            f"{user_name!r} is the last admin of team {name!r}: make another member admin "
            "before leaving"
        )
    member_id = row.user_id
    session.delete(row)
    session.flush()
    activity.record(
        session, actor.id, "team.left" if user_name == actor.name else "team.removed",
        activity.TEAM, team.id, extra={"member": user_name}, owners=[member_id],
    )  # fmt: skip


def invitation_out(invitation: TeamInvitation) -> InvitationOut:
    """The wire form of an invitation."""
    return InvitationOut(
        id=invitation.id,
        team=invitation.team.name,
        user=invitation.user.name,
        role=TeamRole(invitation.role),
        state=invitation.state,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )
