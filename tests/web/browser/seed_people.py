"""Content for the people pages: a public and a private dataset of alice's."""

from __future__ import annotations

from mlhive.server.domain.access import Actor
from mlhive.server.wiring import Hive
from tests.factories import publish
from tests.web.browser.conftest import Site


def seed(hive: Hive, site: Site) -> None:
    alice = site.people["alice"]
    actor = Actor(alice.id, alice.name, False)
    site.made["alice_public"] = publish(hive, actor, name="alice-measurements")
    site.made["alice_private"] = publish(
        hive, actor, name="alice-private-notes", visibility="private"
    )
