"""The access rules, as a table: who sees, changes and manages an object of an owner."""

from __future__ import annotations

import pytest

from mlhive.server.domain.access import (
    Actor,
    TeamRole,
    can_manage,
    can_see,
    can_write,
    require_manager,
    require_owner,
    with_grants,
    with_teams,
)
from mlhive.server.domain.errors import PermissionDenied

OWNER, TEAM, OTHER_TEAM = 1, 10, 11
ALICE = Actor(OWNER, "alice", is_admin=False)
ROOT = Actor(99, "root", is_admin=True)


def member(role: str) -> Actor:
    return with_teams(Actor(2, "bob", is_admin=False), [(TEAM, role), (OTHER_TEAM, "read")])


# (actor, owner, may see private, may write, may manage)
CASES = [
    (None, OWNER, False, False, False),
    (ALICE, OWNER, True, True, True),
    (ROOT, TEAM, True, True, True),
    (ALICE, TEAM, False, False, False),
    (member("read"), TEAM, True, False, False),
    (member("write"), TEAM, True, True, False),
    (member("admin"), TEAM, True, True, True),
    (member("admin"), OTHER_TEAM, True, False, False),
    (member("admin"), OWNER, False, False, False),
]


@pytest.mark.parametrize(("actor", "owner", "sees", "writes", "manages"), CASES)
def test_the_rules(
    actor: Actor | None, owner: int, sees: bool, writes: bool, manages: bool
) -> None:
    assert can_see(actor, owner_id=owner, visibility="public")
    assert can_see(actor, owner_id=owner, visibility="private") is sees
    assert can_write(actor, owner) is writes
    assert can_manage(actor, owner) is manages
    if actor is not None and not writes:
        with pytest.raises(PermissionDenied, match="owner"):
            require_owner(actor, owner, "dataset 1")
    if actor is not None and not manages:
        with pytest.raises(PermissionDenied, match="visibility"):
            require_manager(actor, owner, "dataset 1")


def test_an_actor_knows_its_roles_and_what_it_reads_and_writes() -> None:
    bob = member("write")
    assert bob.role_in(TEAM) == "write" and bob.role_in(OWNER) is None
    assert set(bob.readable()) == {2, TEAM, OTHER_TEAM}
    assert set(bob.writable()) == {2, TEAM}
    with pytest.raises(ValueError):
        with_teams(bob, [(TEAM, "owner")])  # not a role


def test_a_grant_reaches_exactly_its_object_and_only_where_a_check_names_it() -> None:
    bob = with_grants(Actor(2, "bob", False), [("dataset", 7, "write"), ("model", 3, "read")])
    # The named object, private or not; nothing else of its owner's.
    assert can_see(bob, owner_id=1, visibility="private", subject=("dataset", 7))
    assert not can_see(bob, owner_id=1, visibility="private", subject=("dataset", 8))
    assert not can_see(bob, owner_id=1, visibility="private", subject=("task", 7))
    assert not can_see(bob, owner_id=1, visibility="private")  # a check that names no object
    assert can_write(bob, 1, ("dataset", 7)) and not can_write(bob, 1)
    # read is read: the model is seen, not changed.
    assert can_see(bob, owner_id=1, visibility="private", subject=("model", 3))
    assert not can_write(bob, 1, ("model", 3))
    with pytest.raises(PermissionDenied):
        require_owner(bob, 1, "model 3", ("model", 3))
    # Managing (visibility, members) never comes with a grant.
    assert not can_manage(bob, 1)
    assert bob.granted("dataset") == (7,) and bob.granted("model", write=True) == ()


def test_teams_keep_grants_and_grants_keep_teams() -> None:
    bob = with_grants(Actor(2, "bob", False), [("dataset", 7, "write")])
    both = with_teams(bob, [(10, "read")])
    assert both.grants == bob.grants and both.teams == ((10, TeamRole.READ),)
    assert with_grants(both, []).teams == both.teams
