"""Content for the team page: team ``lab`` (alice admin, bob a reader) with a public and a
private dataset."""

from __future__ import annotations

from datetime import timedelta

from mlhive.server.db.engine import transaction
from mlhive.server.services import accounts, teams
from mlhive.server.wiring import Hive
from mlhive.wire.teams import TeamRole
from tests.factories import publish
from tests.web.browser.conftest import Site


def seed(hive: Hive, site: Site) -> None:
    with transaction(hive.sessions) as session:
        alice = accounts.get_user(session, "alice")
        teams.create_team(session, accounts.actor_of(session, alice), "lab")
        actor = accounts.actor_of(session, alice)  # now with the team
        _, token = teams.invite(session, actor, "lab", "bob", TeamRole.READ, timedelta(days=1))
        bob = accounts.actor_of(session, accounts.get_user(session, "bob"))
        teams.answer(session, bob, token, accept=True)
    site.made["lab_public"] = publish(hive, actor, name="lab-benchmarks", owner="lab")
    site.made["lab_private"] = publish(
        hive, actor, name="lab-unreleased", owner="lab", visibility="private"
    )
