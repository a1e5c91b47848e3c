"""The demo's model repositories: a scikit-learn one with a tag, a branch, a fork, an
evaluated merge request and model checks on every commit, and a safetensors one merged back
from its fine-tuning branch."""

from __future__ import annotations

from sqlalchemy import func, select

from mlhive.server.config import Settings
from mlhive.server.db.engine import make_engine, make_session_factory
from mlhive.server.db.tables.forge import MergeRequest, ModelCommit, ModelRepo
from mlhive.server.demo.datasets import load_demo
from mlhive.server.services.forge import repos
from mlhive.server.services.serving import modelci


def test_demo_models_are_made_once_with_history_a_fork_and_an_evaluated_request(
    settings: Settings,
) -> None:
    load_demo(settings, names=["iris", "diabetes"])
    load_demo(settings, names=["iris", "diabetes"])  # second run adds nothing
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        made = {r.name: r for r in session.scalars(select(ModelRepo))}
        assert sorted(made) == ["diabetes-mlp", "iris-classifier", "iris-classifier-lab"]
        classifier, network = made["iris-classifier"], made["diabetes-mlp"]
        assert made["iris-classifier-lab"].forked_from_id == classifier.id
        assert classifier.task_ids and classifier.rules
        refs = {(r.kind, r.name) for r in repos.list_refs(session, classifier)}
        assert refs == {("branch", "main"), ("branch", "experiment/forest"), ("tag", "v1")}
        counts = dict(
            session.execute(
                select(ModelCommit.repo_id, func.count()).group_by(ModelCommit.repo_id)
            ).all()
        )
        assert counts[classifier.id] == 3 and counts[network.id] == 5  # 3 + branch + merge
        (request,) = session.scalars(select(MergeRequest))
        assert request.evaluation_state == "done", request.evaluation_error
        measures = {c["measure"] for c in request.comparison}
        assert "predictive_accuracy" in measures
        head = repos.resolve(session, network, "main")
        assert len(head.parents) == 2  # the averaging merge of main and finetune
        formats = {c.format for c in session.scalars(select(ModelCommit))}
        assert formats == {"skops", "safetensors"}
        # the classifier's commits carry check results, and say what data they have seen
        main = repos.resolve(session, classifier, "main")
        checked = modelci.describe_results(session, classifier, main)
        assert checked.state == "done" and checked.passed is True, checked
        assert {r.name for r in checked.results} == {"schema", "degenerate", "onnx_parity"}
        [seen] = main.card["data_seen"]
        assert seen["name"] == "iris" and seen["source"] == "uploader"
    engine.dispose()
