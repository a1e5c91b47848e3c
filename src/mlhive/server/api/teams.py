"""Teams: create one, see its members and objects, invite, accept, change roles, remove, leave."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, status

from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.services import teams
from mlhive.wire.teams import (
    InvitationCreate,
    InvitationOut,
    NewInvitation,
    RoleUpdate,
    TeamCreate,
    TeamOut,
)

router = APIRouter(prefix="/teams", tags=["teams"])
invitations = APIRouter(prefix="/invitations", tags=["teams"])

TeamName = Annotated[str, Path(min_length=1, max_length=64)]
UserName = Annotated[str, Path(min_length=1, max_length=64)]
Token = Annotated[str, Path(min_length=1, max_length=128)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_team(body: TeamCreate, actor: RequiredActor, hive: HiveDep) -> TeamOut:
    """Create a team with the caller as its admin; it owns what its members create for it
    (``owner`` on a create)."""
    with write(hive) as session:
        team = teams.create_team(session, actor, body.name)
        return teams.describe(session, actor, team.name)


@router.get("/{name}")
def get_team(name: TeamName, actor: MaybeActor, hive: HiveDep) -> TeamOut:
    """The team, its members and the datasets and models it owns that the caller may see."""
    with read(hive) as session:
        return teams.describe(session, actor, name)


@router.post("/{name}/invitations", status_code=status.HTTP_201_CREATED)
def invite(
    name: TeamName, body: InvitationCreate, actor: RequiredActor, hive: HiveDep
) -> NewInvitation:
    """Invite a user (team admins): the token, shown once, is what the user accepts with."""
    with write(hive) as session:
        lifetime = timedelta(days=body.expires_in_days)
        row, token = teams.invite(session, actor, name, body.user, body.role, lifetime)
        return NewInvitation(invitation=teams.invitation_out(row), token=token)


@router.patch("/{name}/members/{user}")
def set_role(
    name: TeamName, user: UserName, body: RoleUpdate, actor: RequiredActor, hive: HiveDep
) -> TeamOut:
    """Change a member's role (team admins); a team always keeps an admin."""
    with write(hive) as session:
        teams.set_role(session, actor, name, user, body.role)
        return teams.describe(session, actor, name)


@router.delete("/{name}/members/{user}")
def remove_member(name: TeamName, user: UserName, actor: RequiredActor, hive: HiveDep) -> TeamOut:
    """Remove a member (team admins), or leave (your own name). The team's objects stay the
    team's, the member's stay theirs; the team's private objects are out of the member's reach
    from the next request on. The last admin hands over before leaving."""
    with write(hive) as session:
        teams.remove(session, actor, name, user)
        return teams.describe(session, actor, name)


@invitations.post("/{token}/accept")
def accept(token: Token, actor: RequiredActor, hive: HiveDep) -> InvitationOut:
    """Accept an invitation made to you: you join the team with its role."""
    with write(hive) as session:
        return teams.invitation_out(teams.answer(session, actor, token, accept=True))


@invitations.post("/{token}/decline")
def decline(token: Token, actor: RequiredActor, hive: HiveDep) -> InvitationOut:
    """Decline an invitation made to you."""
    with write(hive) as session:
        return teams.invitation_out(teams.answer(session, actor, token, accept=False))
