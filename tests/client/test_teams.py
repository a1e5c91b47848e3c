"""``client.teams``: a team made, joined, owning a private dataset and model, and left."""

from __future__ import annotations

import pandas as pd
import pytest

from mlhive.errors import ConflictError, NotFoundError, PermissionDeniedError
from tests.client.conftest import MakeClient
from tests.conftest import UserKey


def test_a_team_is_made_joined_owns_private_objects_and_is_left(
    make_client: MakeClient, alice: UserKey, bob: UserKey
) -> None:
    with make_client(alice) as as_alice, make_client(bob) as as_bob:
        as_alice.teams.create("crew")
        invitation = as_alice.teams.invite("crew", "bob", role="write")
        assert invitation.invitation.user == "bob" and invitation.token.startswith("mlt_")
        with pytest.raises(NotFoundError):
            as_alice.teams.accept(invitation.token)  # made to bob, not to alice
        assert as_bob.teams.accept(invitation.token).team == "crew"
        frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": ["a", "b", "a", "b"]})
        dataset = as_bob.datasets.publish(
            frame, name="shared", target="y", visibility="private", owner="crew"
        )
        repo = as_bob.models.create("net", visibility="private", owner="crew")
        assert repo.full_name == "crew/net"
        assert as_alice.datasets.get(dataset.id).uploader == "crew"
        team = as_alice.teams.get("crew")
        assert [d.id for d in team.datasets] == [dataset.id]
        assert [m.full_name for m in team.models] == ["crew/net"]
        assert {(m.name, m.role.value) for m in as_bob.teams.members("crew")} == {
            ("alice", "admin"),
            ("bob", "write"),
        }
        with pytest.raises(PermissionDeniedError):
            as_bob.teams.remove("crew", "alice")
        with pytest.raises(ConflictError, match="last admin"):
            as_alice.teams.leave("crew")
        as_bob.teams.leave("crew")
        with pytest.raises(NotFoundError):
            as_bob.datasets.get(dataset.id)
        with pytest.raises(NotFoundError):
            as_bob.models.get("crew/net")
        assert as_alice.models.get("crew/net").visibility == "private"
