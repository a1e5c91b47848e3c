"""Content for the deployment pages: alice's classifier promoted twice to @production and a
public deployment following it, called three times (counts, answer times and inputs as the
serving path records them)."""

from __future__ import annotations

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.services.forge import repos
from mlhive.server.services.serving import aliases, deployments, metrics
from mlhive.server.services.serving.monitor import ColumnTally, Recorded, bucket_of
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
        deployment = deployments.create(session, alice, spec)
        deployments.flush_counts(session, {deployment.id: (3, 0)})
        inputs = {
            "x1": ColumnTally(values=3, total=1.5, squares=2.0),
            "x2": ColumnTally(values=3, missing=1, total=0.2, squares=0.1),
        }
        latency = {bucket_of(0.4): 2, bucket_of(0.9): 1}
        metrics.flush(session, {deployment.id: Recorded(latency=latency, columns=inputs)})
    site.made["deployment_commit"] = shas[1]
