"""``client.activity``, ``client.watch``, ``client.notifications`` and ``client.webhooks``:
watching a dataset brings its new version to the inbox; feeds page; webhooks refuse loopback."""

from __future__ import annotations

import pandas as pd
import pytest

from mlhive.errors import InvalidInputError, NotFoundError
from tests.client.conftest import MakeClient
from tests.conftest import UserKey


def test_watch_a_dataset_read_the_inbox_and_follow_feeds(
    make_client: MakeClient, alice: UserKey, bob: UserKey
) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": ["a", "b", "a", "b"]})
    with make_client(alice) as as_alice, make_client(bob) as as_bob:
        first = as_alice.datasets.publish(frame, name="d", target="y")
        watched = as_bob.watch(f"dataset:{first.id}")
        assert watched.target == f"dataset:{first.id}" and watched.page == f"/datasets/{first.id}"
        assert [w.target for w in as_bob.activity.watches()] == [f"dataset:{first.id}"]
        second = as_alice.datasets.publish(frame.assign(x=frame.x * 2), name="d", target="y")
        page = as_bob.notifications.list()
        assert [(n.reason, n.event.verb, n.event.subject) for n in page.items] == [
            ("watch", "dataset.version", f"dataset:{second.id}")
        ]
        assert as_bob.notifications.unread() == 1
        assert as_bob.notifications.read([page.items[0].id]).unread == 0
        assert as_bob.notifications.list(unread=True).items == []
        assert as_bob.notifications.read_all().marked == 0

        feed = as_bob.activity.feed("person:alice", limit=1)
        assert [e.subject for e in feed.items] == [f"dataset:{second.id}"]
        assert feed.next_before is not None
        everything = list(as_bob.activity.iterate("person:alice", page_size=1))
        assert [e.verb for e in everything] == ["dataset.version", "dataset.created"]
        assert [e.verb for e in as_bob.activity.feed(f"dataset:{first.id}").items] == [
            "dataset.created"
        ]
        as_bob.activity.unwatch(f"dataset:{first.id}")
        with pytest.raises(NotFoundError):
            as_bob.activity.unwatch(f"dataset:{first.id}")
        with pytest.raises(NotFoundError):
            as_bob.activity.feed("person:nobody")
        with pytest.raises(ValueError, match="person:NAME"):
            as_bob.activity.feed("alice")


def test_webhooks_from_the_client(make_client: MakeClient, alice: UserKey) -> None:
    with make_client(alice) as client:
        with pytest.raises(InvalidInputError, match="loopback"):
            client.webhooks.create("http://127.0.0.1:9/hook")
        assert client.webhooks.list() == []
