"""What the experiment pages compute: split sizes, confusion matrices, predicted-vs-true
samples, comparisons and best scores per task and flow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.experiments import Evaluation
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput, NotFound
from mlhive.server.domain.experiments import measure_names
from mlhive.server.services.experiments import insights
from mlhive.server.wiring import Hive
from tests.conftest import UserKey
from tests.factories import actor_of
from tests.web.experiment_data import classification_setup, regression_setup


@pytest.fixture
def made(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> dict[str, Any]:
    return classification_setup(http, alice, run_jobs)


def test_split_sizes_come_from_the_stored_splits(hive: Hive, made: dict[str, Any]) -> None:
    with transaction(hive.sessions) as session:
        summary = insights.split_summary(session, hive.store, None, made["task"])
    assert summary.complete
    assert [(f.fold, f.train, f.test) for f in summary.folds] == [(i, 81, 9) for i in range(10)]


def test_split_sizes_are_capped(
    hive: Hive, made: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(insights, "SPLIT_GROUPS_SHOWN", 3)
    with transaction(hive.sessions) as session:
        summary = insights.split_summary(session, hive.store, None, made["task"])
    assert not summary.complete and len(summary.folds) == 3


def test_the_confusion_matrix_agrees_with_the_servers_evaluation(
    hive: Hive, made: dict[str, Any]
) -> None:
    run_id = made["runs"][0]
    with transaction(hive.sessions) as session:
        matrix = insights.confusion(session, hive.store, None, run_id)
        stored = session.scalar(
            select(Evaluation.array_data).where(
                Evaluation.run_id == run_id, Evaluation.measure == "confusion_matrix"
            )
        )
        assert insights.scatter(session, hive.store, None, run_id) is None
    assert matrix is not None and matrix.labels == ["no", "yes"]
    assert sum(map(sum, matrix.counts)) == 90
    assert matrix.counts == [[int(v) for v in row] for row in stored or []]


def test_the_regression_sample_is_capped_and_the_same_every_time(
    hive: Hive, http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    run_id = regression_setup(http, alice, run_jobs)["run"]
    with transaction(hive.sessions) as session:
        first = insights.scatter(session, hive.store, None, run_id, limit=10)
        again = insights.scatter(session, hive.store, None, run_id, limit=10)
        assert insights.confusion(session, hive.store, None, run_id) is None
    assert first is not None and again is not None
    assert first.total == 90 and len(first.points) == 10 and first.points == again.points
    assert all(abs(p - t - 0.5) < 1e-3 for t, p in first.points)  # 0.5 above the truth


def test_a_comparison_marks_differing_parameters(hive: Hive, made: dict[str, Any]) -> None:
    with transaction(hive.sessions) as session:
        found = insights.compare(session, None, made["runs"], None)
    assert found.measure == "predictive_accuracy"
    assert all(p.differs for p in found.parameters)  # two flows: each alpha is set by one run
    assert len(found.per_fold) == 2
    first, second = found.values["predictive_accuracy"]
    assert first is not None and second is not None and first > second


@pytest.mark.parametrize(
    ("ids", "measure", "message"),
    [([1], None, "between 2 and 10"), ([1, 1], None, "got 1"), ([1, 2], "nope", "use one of")],
)
def test_bad_comparisons_say_what_to_fix(
    hive: Hive, made: dict[str, Any], ids: list[int], measure: str | None, message: str
) -> None:
    with transaction(hive.sessions) as session, pytest.raises(InvalidInput, match=message):
        insights.compare(session, None, ids, measure)


def test_an_unknown_measure_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidInput, match="r_squared"):
        measure_names.checked_measure("supervised_regression", "predictive_accuracy")
    assert measure_names.checked_measure("supervised_regression", None) == "root_mean_squared_error"


def test_best_scores_per_task_and_flow_respect_visibility(
    hive: Hive, http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    secret = classification_setup(http, alice, run_jobs, visibility="private", accuracies=(0.7,))
    bob_actor, alice_actor = actor_of(hive, bob), actor_of(hive, alice)
    with transaction(hive.sessions) as session:
        as_bob = insights.best_by_task_and_flow(
            session, bob_actor, [secret["task"]], "predictive_accuracy"
        )
        as_alice = insights.best_by_task_and_flow(
            session, alice_actor, [secret["task"]], "predictive_accuracy"
        )
        with pytest.raises(NotFound):
            insights.confusion(session, hive.store, None, secret["runs"][0])
    assert as_bob == []
    assert [(c.task_id, c.flow_id) for c in as_alice] == [(secret["task"], secret["flows"][0])]


def test_headline_scores_use_each_task_types_measure(
    hive: Hive, made: dict[str, Any], as_alice: Actor
) -> None:
    with transaction(hive.sessions) as session:
        scores = insights.headline_scores(session, made["runs"])
    assert {m for m, _ in scores.values()} == {"predictive_accuracy"}
    assert set(scores) == set(made["runs"])
