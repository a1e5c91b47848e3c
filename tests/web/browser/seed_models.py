"""Content for the model pages: the demo's model repositories, alice's small network with a
merge request from bob (no rules: mergeable once evaluated), a private repository, and a
repository with model checks whose constant classifier fails one."""

from __future__ import annotations

from sklearn.dummy import DummyClassifier

from mlhive.server.db.engine import transaction
from mlhive.server.demo.datasets import demo_datasets
from mlhive.server.demo.models import CLASSIFIER, load_models
from mlhive.server.domain.access import Actor
from mlhive.server.services import accounts
from mlhive.server.services.forge import evaluation, repos
from mlhive.server.services.serving import modelci
from mlhive.server.wiring import Hive
from mlhive.wire.serving import ModelChecksConfig
from tests.factories import make_repo, push_tensors
from tests.web.browser.conftest import Site
from tests.web.forge import open_request, push_estimator


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
    _checked(hive, site, owner, alice)


def _checked(hive: Hive, site: Site, owner: Actor, alice: Actor) -> None:
    """alice/checked-iris: model checks on the iris task; a constant model fails one."""
    with transaction(hive.sessions) as session:
        task_id = repos.get_repo(session, owner, owner.name, CLASSIFIER).task_ids[0]
        spec = evaluation.task_spec(session, task_id)
    features, target = evaluation.features_and_target(hive.store, spec)
    make_repo(hive, alice, "checked-iris", task_ids=[task_id], description="Gated by checks.")
    with transaction(hive.sessions) as session:
        repo = repos.get_repo(session, alice, "alice", "checked-iris")
        modelci.set_config(session, alice, repo, _config(str(features.columns[-1])))
    constant = DummyClassifier(strategy="most_frequent").fit(features, target)
    site.made["checked_commit"] = push_estimator(
        hive, alice, "alice/checked-iris", constant, message="A constant baseline"
    )


def _config(column: str) -> ModelChecksConfig:
    rule = {"name": "last column alone", "column": column, "change": "scale", "value": 1.1}
    return ModelChecksConfig.model_validate(
        {
            "schema_check": True,
            "degenerate": True,
            "latency_ms": 1000,
            "rules": [{**rule, "expect": "same"}],
        }
    )
