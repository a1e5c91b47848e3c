"""``client.discussions`` against the real app: open, list, reply, edit, moderate."""

from __future__ import annotations

import pytest

from mlhive import Client
from mlhive.errors import ConflictError, InvalidInputError, NotFoundError
from mlhive.server.wiring import Hive
from tests.client.conftest import MakeClient
from tests.conftest import UserKey
from tests.factories import actor_of, publish


def test_open_list_reply_edit_and_lock(
    client: Client, make_client: MakeClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    dataset = publish(hive, actor_of(hive, alice))
    private = publish(hive, actor_of(hive, alice), visibility="private")
    thread = client.discussions.open("dataset", dataset, "Units?", f"Same as dataset:{private}?")
    assert "Units?" in repr(thread)
    as_bob = make_client(bob)
    answer = as_bob.discussions.reply(thread.id, "Metres, @alice", reply_to=thread.thread[0].id)
    assert answer.mentions == ["alice"] and answer.reply_to == thread.thread[0].id
    assert [t.id for t in as_bob.discussions.list("dataset", dataset)] == [thread.id]
    assert as_bob.discussions.get(thread.id).thread[0].references == []
    assert [r.ref for r in client.discussions.get(thread.id).thread[0].references] == [
        f"dataset:{private}"
    ]
    edited = as_bob.discussions.edit(thread.id, answer.id, "Centimetres, @alice")
    assert edited.edits == 1 and edited.edited_at is not None

    assert client.discussions.moderate(thread.id, "lock").locked
    with pytest.raises(ConflictError, match="locked"):
        as_bob.discussions.reply(thread.id, "wait")
    with pytest.raises(InvalidInputError):
        client.discussions.open("dataset", dataset, "", "body")
    with pytest.raises(NotFoundError):
        as_bob.discussions.list("dataset", private)


def test_model_repositories_are_named_owner_slash_name(client: Client) -> None:
    client.models.create("net")
    thread = client.discussions.open("model", "alice/net", "Card", "Needs a licence")
    assert thread.subject == "model:alice/net"
    assert [t.title for t in client.discussions.list("model", "alice/net")] == ["Card"]
