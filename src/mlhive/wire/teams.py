"""Teams on the wire: an account that owns objects like a user, and whose members have roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from mlhive.wire.common import WireModel

ACCOUNT_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class TeamRole(StrEnum):
    """A member's role: ``read`` sees the team's private objects, ``write`` also changes them
    and adds to them, ``admin`` also manages the members and the objects' visibility."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class TeamCreate(WireModel):
    name: str = Field(
        min_length=2,
        max_length=64,
        pattern=ACCOUNT_NAME,
        description="Unique among user and team names: the team's objects are `name/...`.",
    )


class MemberOut(WireModel):
    name: str
    role: TeamRole
    since: datetime


class TeamDatasetOut(WireModel):
    id: int
    name: str
    version: int
    visibility: str


class TeamModelOut(WireModel):
    full_name: str
    visibility: str


class TeamOut(WireModel):
    """A team, its members and the objects it owns that the caller may see."""

    id: int
    name: str
    created_at: datetime
    members: list[MemberOut]
    datasets: list[TeamDatasetOut]
    models: list[TeamModelOut]


class InvitationCreate(WireModel):
    user: str = Field(min_length=1, max_length=64, description="The name of the user invited.")
    role: TeamRole = TeamRole.READ
    expires_in_days: int = Field(default=7, ge=1, le=90)


class InvitationOut(WireModel):
    id: int
    team: str
    user: str
    role: TeamRole
    state: str
    created_at: datetime
    expires_at: datetime


class NewInvitation(WireModel):
    """An invitation and its token, shown once: the invited user accepts with it."""

    invitation: InvitationOut
    token: str


class RoleUpdate(WireModel):
    role: TeamRole
