"""Content for the activity pages: alice's dataset ``activity-rain``, watched by bob, and a
discussion on it where alice mentions bob (so bob's inbox has unread notifications)."""

from __future__ import annotations

from mlhive.server.db.engine import transaction
from mlhive.server.services import accounts, subjects
from mlhive.server.services.social import discussions, feeds
from mlhive.server.wiring import Hive
from mlhive.wire.discussions import ThreadCreate
from tests.factories import publish
from tests.web.browser.conftest import Site


def seed(hive: Hive, site: Site) -> None:
    with transaction(hive.sessions) as session:
        alice = accounts.actor_of(session, accounts.get_user(session, "alice"))
        bob = accounts.actor_of(session, accounts.get_user(session, "bob"))
    dataset = publish(hive, alice, name="activity-rain")
    with transaction(hive.sessions) as session:
        feeds.watch(session, bob, f"dataset:{dataset}")
        subject = subjects.find(session, alice, "dataset", dataset)
        discussions.open_thread(
            session,
            alice,
            subject,
            ThreadCreate(title="New rain gauges", body="@bob the 2025 rows are in."),
        )
    site.made["activity_dataset"] = dataset
