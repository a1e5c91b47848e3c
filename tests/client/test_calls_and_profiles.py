"""``client.calls`` and ``client.profiles``: a call opened, volunteered for, accepted (the
collaborator then edits the dataset), revoked (and no longer does); a profile edited."""

from __future__ import annotations

import pandas as pd
import pytest

from mlhive.errors import ConflictError, InvalidInputError, PermissionDeniedError
from tests.client.conftest import MakeClient
from tests.conftest import UserKey


def test_a_call_is_answered_accepted_and_revoked(
    make_client: MakeClient, alice: UserKey, bob: UserKey
) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": ["a", "b", "a", "b"]})
    with make_client(alice) as as_alice, make_client(bob) as as_bob:
        dataset = as_alice.datasets.publish(frame, name="d", target="y")
        call = as_alice.calls.open(
            f"dataset:{dataset.id}", "Try boosting?", "on **this**", skills=["Gradient Boosting"]
        )
        assert call.skills == ["gradient-boosting"] and call.access == "write"
        assert [c.id for c in as_bob.calls.list(skill="gradient boosting")] == [call.id]
        with pytest.raises(PermissionDeniedError):
            as_bob.datasets.edit(dataset.id, description="mine now")
        reply = as_bob.calls.respond(call.id, "I can", kind="volunteer")
        assert reply.state == "pending" and reply.user == "bob"
        with pytest.raises(ConflictError):
            as_bob.calls.respond(call.id, "again")
        with pytest.raises(PermissionDeniedError):
            as_bob.calls.accept(call.id, reply.id)
        assert as_alice.calls.accept(call.id, reply.id).state == "accepted"
        as_bob.datasets.edit(dataset.id, description="boosted")
        assert as_alice.datasets.get(dataset.id).description == "boosted"
        assert as_alice.calls.get(call.id).collaborators == ["bob"]
        assert as_alice.calls.revoke(call.id, reply.id).state == "revoked"
        with pytest.raises(PermissionDeniedError):
            as_bob.datasets.edit(dataset.id, description="again")
        closed = as_alice.calls.close(call.id)
        assert closed.state == "closed" and as_bob.calls.list() == []
        assert [c.id for c in as_bob.calls.list(state="closed")] == [call.id]


def test_a_profile_is_edited_and_read(
    make_client: MakeClient, alice: UserKey, bob: UserKey
) -> None:
    with make_client(alice) as as_alice, make_client(bob) as as_bob:
        changed = as_alice.profiles.update(
            "alice", affiliation="Hive Lab", interests=["NLP", "gradient_boosting"]
        )
        assert changed.interests == ["gradient-boosting", "nlp"]
        seen = as_bob.profiles.get("alice")
        assert seen.affiliation == "Hive Lab" and seen.contributions.datasets == 0
        with pytest.raises(PermissionDeniedError):
            as_bob.profiles.update("alice", bio="not mine")
        with pytest.raises(InvalidInputError, match="interests"):
            as_alice.profiles.update("alice", interests=["a/b"])
