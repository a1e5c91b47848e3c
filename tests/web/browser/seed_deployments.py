"""Content for the deployment pages: alice's classifier promoted twice to @production and a
public deployment following it, called once."""

from __future__ import annotations

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.services.forge import repos
from mlhive.server.services.serving import aliases, deployments
from mlhive.server.wiring import Hive
from mlhive.wire.serving import DeploymentCreate
from tests.api.serving import classifier
from tests.factories import make_repo
from tests.web.browser.conftest import Site
from tests.web.forge import push_estimator


def seed(hive: Hive, site: Site) -> None:
    alice = Actor(site.people["alice"].id, "alice", False)
    make_repo(hive, alice, "scorer", description="A classifier in production.")
    shas = [push_estimator(hive, alice, "alice/scorer", classifier(flip=f)) for f in (False, True)]
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, alice, "alice/scorer")
        for sha in shas:
            aliases.promote(session, hive.store, alice, repo, "production", sha)
        spec = DeploymentCreate(
            name="scorer", repo="alice/scorer", alias="production", visibility="public"
        )
        deployments.create(session, alice, spec)
    site.made["deployment_commit"] = shas[1]
