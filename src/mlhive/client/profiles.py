"""Profiles: bio, affiliation, interests and contributions (``client.profiles``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from mlhive.client._http import HttpCore
from mlhive.wire.profiles import PersonProfile


class ProfilesAPI:
    """``client.profiles``: anyone's profile, with contributions counted over what you may
    see; you edit your own (a team's admins edit the team's).

    Example:
        >>> client.profiles.update("alice", interests=["boosting", "nlp"])  # doctest: +SKIP
        >>> client.profiles.get("alice").contributions.datasets  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def get(self, name: str) -> PersonProfile:
        """A person's (or team's) profile. Raises NotFoundError."""
        path = f"/api/users/{quote(name, safe='')}/profile"
        return PersonProfile.model_validate(self._core.get_json(path))

    def update(
        self,
        name: str,
        *,
        bio: str | None = None,
        affiliation: str | None = None,
        interests: Sequence[str] | None = None,
    ) -> PersonProfile:
        """Change the fields given (``interests`` replaces the list; tags are stored lower
        case with ``-`` for spaces and underscores).

        Raises:
            PermissionDeniedError: not your profile (nor a team you administer).
            InvalidInputError: an interest is not a tag.
        """
        body: dict[str, Any] = {}
        if bio is not None:
            body["bio"] = bio
        if affiliation is not None:
            body["affiliation"] = affiliation
        if interests is not None:
            body["interests"] = list(interests)
        path = f"/api/users/{quote(name, safe='')}/profile"
        return PersonProfile.model_validate(self._core.request("PATCH", path, json=body).json())
