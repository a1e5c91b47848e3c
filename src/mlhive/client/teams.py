"""Teams: create one, invite people, answer invitations, see members, leave (``client.teams``)."""

from __future__ import annotations

from urllib.parse import quote

from mlhive.client._http import HttpCore
from mlhive.wire.teams import InvitationOut, MemberOut, NewInvitation, TeamOut, TeamRole


class TeamsAPI:
    """``client.teams``: teams own datasets, models, suites, studies and deployments like a
    user does (``owner="team"`` on a create); their members see the team's private objects
    (any role), ``write`` members change them, ``admin`` members manage members and visibility.

    Example:
        >>> client.teams.create("vision-lab")  # doctest: +SKIP
        >>> token = client.teams.invite("vision-lab", "bob", role="write").token  # doctest: +SKIP
        >>> bob_client.teams.accept(token)  # bob joins  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def create(self, name: str) -> TeamOut:
        """Create a team with you as its admin.

        Args:
            name: the team's name, unique among user and team names (its objects are
                ``name/...``).

        Raises:
            ConflictError: a user or a team has that name.
            AuthenticationError: no API key, or an invalid or revoked one.
        """
        response = self._core.request("POST", "/api/teams", json={"name": name})
        return TeamOut.model_validate(response.json())

    def get(self, name: str) -> TeamOut:
        """The team, its members and the datasets and models it owns that you may see.

        Raises:
            NotFoundError: there is no team of that name.
        """
        return TeamOut.model_validate(self._core.get_json(f"/api/teams/{quote(name, safe='')}"))

    def members(self, name: str) -> list[MemberOut]:
        """The team's members and their roles, by name. Raises NotFoundError."""
        return self.get(name).members

    def invite(
        self, name: str, user: str, *, role: TeamRole | str = TeamRole.READ, days: int = 7
    ) -> NewInvitation:
        """Invite ``user`` into the team (team admins); they accept with the token.

        Args:
            name: the team.
            user: the user invited.
            role: ``read``, ``write`` or ``admin``.
            days: how long the invitation is valid (1 to 90).

        Returns:
            The invitation and its token, shown only in this answer: give it to the user.

        Raises:
            PermissionDeniedError: you are not an admin of the team.
            ConflictError: the user is a member already.
            InvalidInputError: there is no such user.
        """
        body = {"user": user, "role": TeamRole(role).value, "expires_in_days": days}
        path = f"/api/teams/{quote(name, safe='')}/invitations"
        return NewInvitation.model_validate(self._core.request("POST", path, json=body).json())

    def accept(self, token: str) -> InvitationOut:
        """Accept an invitation made to you: you join the team with its role.

        Raises:
            NotFoundError: no invitation with that token for you.
            ConflictError: it was answered already, or it expired.
        """
        path = f"/api/invitations/{quote(token, safe='')}/accept"
        return InvitationOut.model_validate(self._core.request("POST", path).json())

    def decline(self, token: str) -> InvitationOut:
        """Decline an invitation made to you. Raises NotFoundError, ConflictError."""
        path = f"/api/invitations/{quote(token, safe='')}/decline"
        return InvitationOut.model_validate(self._core.request("POST", path).json())

    def set_role(self, name: str, user: str, role: TeamRole | str) -> TeamOut:
        """Change a member's role (team admins); a team always keeps an admin.

        Raises:
            PermissionDeniedError: you are not an admin of the team.
            ConflictError: the last admin would step down.
        """
        path = f"/api/teams/{quote(name, safe='')}/members/{quote(user, safe='')}"
        body = {"role": TeamRole(role).value}
        return TeamOut.model_validate(self._core.request("PATCH", path, json=body).json())

    def remove(self, name: str, user: str) -> TeamOut:
        """Remove a member (team admins). The team's objects stay the team's and the member's
        stay theirs; the member no longer sees the team's private objects.

        Raises:
            PermissionDeniedError: you are not an admin of the team.
            ConflictError: the last admin would go (hand over first).
            NotFoundError: ``user`` is not a member.
        """
        path = f"/api/teams/{quote(name, safe='')}/members/{quote(user, safe='')}"
        return TeamOut.model_validate(self._core.request("DELETE", path).json())

    def leave(self, name: str) -> None:
        """Leave the team: its private objects are out of your reach from now on.

        Raises:
            ConflictError: you are its last admin (make another member admin first).
            NotFoundError: you are not a member.
        """
        me = self._core.get_json("/api/users/me")["name"]
        self.remove(name, str(me))
