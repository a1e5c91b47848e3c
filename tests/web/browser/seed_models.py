"""Content for the model pages: the demo's model repositories, alice's small network with a
merge request from bob (no rules: mergeable once evaluated), and a private repository."""

from __future__ import annotations

from mlhive.server.db.engine import transaction
from mlhive.server.demo.datasets import demo_datasets
from mlhive.server.demo.models import load_models
from mlhive.server.domain.access import Actor
from mlhive.server.services import accounts
from mlhive.server.wiring import Hive
from tests.factories import make_repo, push_tensors
from tests.web.browser.conftest import Site
from tests.web.forge import open_request


def seed(hive: Hive, site: Site) -> None:
    with transaction(hive.sessions) as session:
        admin = accounts.get_user(session, "admin")
        owner = Actor(admin.id, admin.name, admin.is_admin)
    load_models(hive, owner, sorted(demo_datasets(hive, owner).values()))
    alice = Actor(site.people["alice"].id, "alice", False)
    bob = Actor(site.people["bob"].id, "bob", False)
    make_repo(hive, alice, "tiny-net", description="A tiny network to review.")
    push_tensors(hive, alice, "alice/tiny-net", seed=1)
    push_tensors(hive, bob, "alice/tiny-net", seed=2, branch="bob/retrain")
    site.made["models_request"] = open_request(
        hive, bob, "alice/tiny-net", source_branch="bob/retrain", title="Retrained weights"
    )
    make_repo(hive, alice, "secret-net", visibility="private", description="Not for bob.")
    push_tensors(hive, alice, "alice/secret-net", seed=3)
