"""Content for the suggested-collaborators page: dana shares an interest with alice."""

from __future__ import annotations

from mlhive.server.db.engine import transaction
from mlhive.server.services import accounts
from mlhive.server.services.social import profiles
from mlhive.server.wiring import Hive
from mlhive.wire.profiles import ProfileUpdate
from tests.web.browser.conftest import Site


def seed(hive: Hive, site: Site) -> None:
    with transaction(hive.sessions) as session:
        dana = accounts.create_user(session, "dana")
        actor = accounts.actor_of(session, dana)
        profiles.update(
            session, actor, "dana", ProfileUpdate(interests=["Gradient Boosting", "vision"])
        )
