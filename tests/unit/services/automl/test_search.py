"""AutoML searches run as jobs: trials as runs, determinism, hard limits, the final model."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.automl import AutoMLSearch, AutoMLTrial
from mlhive.server.db.tables.experiments import Run, Task
from mlhive.server.db.tables.forge import ModelCommit
from mlhive.server.domain.access import Actor
from mlhive.server.jobs.context import JobContext
from mlhive.server.services.automl import automl, recommendations
from mlhive.server.services.automl import jobs as automl_jobs
from mlhive.server.services.automl.trials import Failed, Finished, ProcessRunner
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import flows, studies
from mlhive.server.services.experiments import tasks as task_service
from mlhive.server.services.forge import evaluation
from mlhive.server.wiring import Hive
from mlhive.sklearn import flow_to_estimator
from mlhive.wire.automl import (
    AutoMLCreate,
    AutoMLOut,
    PortfolioMember,
    Recommendations,
    RecommendedSetup,
)
from mlhive.wire.tasks import TaskCreate
from tests.unit.services.automl.automl_world import make_task, mixed_csv, regression_csv

GiB = 2**30


@pytest.fixture
def mixed_task(hive: Hive, as_alice: Actor) -> int:
    return make_task(hive, as_alice, mixed_csv(), "supervised_classification", "label", "mixed", 25)


def _search(hive: Hive, actor: Actor, runner: Any = None, **body: Any) -> AutoMLOut:
    with transaction(hive.sessions) as session:
        search_id = automl.submit(session, actor, AutoMLCreate.model_validate(body)).id
    context = JobContext(hive.sessions, hive.store, hive.settings)
    automl_jobs.run_search(context, {"search_id": search_id}, runner=runner)
    hive.worker.drain()  # the ONNX export of the pushed model, and the queued copy of the job
    with transaction(hive.sessions) as session:
        return automl.describe(session, automl.get(session, actor, search_id))


def _trials(out: AutoMLOut) -> list[tuple[Any, ...]]:
    return [(t.number, t.state, t.config, t.score, t.rung_scores) for t in out.trials]


def test_the_same_seed_and_trial_budget_give_the_same_trials_and_final_score(
    hive: Hive, as_alice: Actor, mixed_task: int
) -> None:
    first = _search(hive, as_alice, task_id=mixed_task, n_trials=3, seed=7)
    second = _search(hive, as_alice, task_id=mixed_task, n_trials=3, seed=7)
    other = _search(hive, as_alice, task_id=mixed_task, n_trials=3, seed=8)
    assert first.state == second.state == "done"
    assert _trials(first) == _trials(second)
    assert first.final_score == second.final_score is not None
    assert [(m.trial, m.weight) for m in first.ensemble] == [
        (m.trial, m.weight) for m in second.ensemble
    ]
    assert [t.config for t in other.trials] != [t.config for t in first.trials]


def test_every_complete_trial_is_a_scored_run_and_rebuilds_from_its_flow_and_setup(
    hive: Hive, as_alice: Actor, mixed_task: int
) -> None:
    out = _search(hive, as_alice, task_id=mixed_task, n_trials=3, seed=1)
    complete = [t for t in out.trials if t.state == "complete"]
    assert complete and all(t.run_id is not None for t in complete)
    with transaction(hive.sessions) as session:
        spec = evaluation.task_spec(session, mixed_task)
        for trial in complete:
            assert trial.run_id is not None
            run = session.get_one(Run, trial.run_id)
            assert run.state == "evaluated"
            # The server's score of the run is the score the search steered by.
            assert evaluation.measures_of(session, run.id)[out.metric] == pytest.approx(trial.score)
            flow = flows.describe(session, run.flow)
            settings = flows.setup_parameters(session, run.setup_id)
            rebuilt = flow_to_estimator(flow, settings)
            stored = load_table(hive.store, run.predictions_sha256 or "")
            refitted = evaluation.fit_on_folds(hive.store, rebuilt, spec)
            again = pq.read_table(pa.BufferReader(refitted.predictions))
            assert again.cast(stored.schema).equals(stored), (
                f"trial {trial.number} predicts differently rebuilt"
            )
    assert out.best_trial == max(complete, key=lambda t: (t.score or 0, -t.number)).number


def test_runs_the_search_scored_are_not_scored_again_by_their_queued_jobs(
    hive: Hive, as_alice: Actor, mixed_task: int
) -> None:
    from sqlalchemy import update

    from mlhive.server.db.tables.experiments import Evaluation

    with transaction(hive.sessions) as session:
        body = AutoMLCreate(task_id=mixed_task, n_trials=2, seed=3)
        search_id = automl.submit(session, as_alice, body).id
    context = JobContext(hive.sessions, hive.store, hive.settings)
    automl_jobs.run_search(context, {"search_id": search_id})
    with transaction(hive.sessions) as session:
        out = automl.describe(session, automl.get(session, as_alice, search_id))
        scored = [t.run_id for t in out.trials if t.run_id] + [out.ensemble_run_id]
        assert all(session.get_one(Run, r).state == "evaluated" for r in scored)
        # A mark on the stored values: scoring a run again would overwrite it.
        session.execute(update(Evaluation).where(Evaluation.run_id.in_(scored)).values(stdev=-1.0))
    hive.worker.drain()  # the runs' queued scoring jobs (and the model's export)
    with transaction(hive.sessions) as session:
        marks = session.scalars(select(Evaluation.stdev).where(Evaluation.run_id.in_(scored)))
        assert set(marks) == {-1.0}


def test_the_final_model_is_in_the_forge_with_its_trials_and_weights_and_a_study(
    hive: Hive, as_alice: Actor, mixed_task: int
) -> None:
    out = _search(hive, as_alice, task_id=mixed_task, n_trials=3, seed=2)
    assert out.model_repo == f"alice/automl-task-{mixed_task}" and out.model_commit
    assert out.ensemble and sum(m.weight for m in out.ensemble) == pytest.approx(1.0)
    with transaction(hive.sessions) as session:
        commit = session.query(ModelCommit).filter_by(sha=out.model_commit).one()
        card = commit.card
        study = studies.get(session, as_alice, "study", out.study_id or 0)
        members = studies.members(session, study, as_alice)
        ensemble_score = evaluation.measures_of(session, out.ensemble_run_id or 0)[out.metric]
    assert card["lineage"]["task_id"] == mixed_task
    assert card["lineage"]["run_id"] == out.ensemble_run_id
    for member in out.ensemble:
        assert f"| {member.trial} |" in card["text"]
        assert f"{member.weight:.2f} |" in card["text"]
    assert set(members) == {t.run_id for t in out.trials if t.run_id} | {out.ensemble_run_id}
    assert ensemble_score == pytest.approx(out.final_score)


def _hog(*_: Any) -> None:
    """Allocate (and touch) far more than the test's memory limit."""
    np.ones(3 * GiB // 8)


class _HogOnSecondTrial:
    """The process runner, but the second trial allocates beyond the memory limit."""

    def __init__(self) -> None:
        self.inner = ProcessRunner()
        self.calls = 0

    def run(
        self, fn: Callable[..., Any], args: tuple[Any, ...], **limits: Any
    ) -> Finished | Failed:
        self.calls += 1
        return self.inner.run(_hog if self.calls == 2 else fn, args, **limits)


def test_a_trial_beyond_the_memory_limit_fails_with_the_reason_and_the_search_goes_on(
    hive: Hive, as_alice: Actor, mixed_task: int
) -> None:
    out = _search(
        hive, as_alice, _HogOnSecondTrial(), task_id=mixed_task, n_trials=3, seed=4,
        memory_limit=int(1.5 * GiB),
    )  # fmt: skip
    states = [(t.state, t.reason) for t in out.trials]
    assert states == [("complete", None), ("failed", "memory"), ("complete", None)]
    assert "memory" in (out.trials[1].message or "")
    assert out.trials[1].run_id is None
    assert all(t.peak_memory and t.peak_memory < 1.5 * GiB for t in out.trials)
    assert out.state == "done" and out.model_commit


def _sleep(*_: Any) -> None:
    time.sleep(600)


def test_a_trial_is_killed_at_its_deadline_and_recorded_as_timed_out() -> None:
    outcome = ProcessRunner().run(_sleep, (), timeout=0.5, memory_limit=None)
    assert isinstance(outcome, Failed)
    assert outcome.reason == "timeout" and "deadline" in outcome.message


def test_a_20_second_budget_is_kept_including_the_ensemble_and_the_model(
    hive: Hive, as_alice: Actor, mixed_task: int
) -> None:
    start = time.monotonic()
    out = _search(hive, as_alice, task_id=mixed_task, time_budget=20.0, seed=0)
    elapsed = time.monotonic() - start
    # The model is pushed, or (on a machine too loaded to refit in what was kept back) the
    # search says so and still ends in time: the budget is never overrun for a model.
    refit_ran_out = any("its refit failed (timeout" in note for note in out.notes)
    assert out.state == "done" and (out.model_commit or refit_ran_out), out.notes
    assert out.seconds is not None and out.seconds <= 22.0
    # The job's own clock and the caller's agree (less the ONNX export drained afterwards).
    assert out.seconds <= elapsed
    assert len(out.trials) >= 2


def test_a_regression_search_optimises_the_error_downwards(hive: Hive, as_alice: Actor) -> None:
    task_id = make_task(hive, as_alice, regression_csv(), "supervised_regression", "y", "lin", 12)
    out = _search(hive, as_alice, task_id=task_id, n_trials=3, seed=0)
    assert out.metric == "root_mean_squared_error" and not out.higher_is_better
    complete = [t for t in out.trials if t.score is not None and t.state == "complete"]
    assert out.best_trial == min(complete, key=lambda t: (t.score or 0, t.number)).number
    assert out.final_score is not None and out.final_score <= min(t.score or 0 for t in complete)


def test_a_search_starts_from_the_configurations_that_did_best_on_similar_tasks(
    hive: Hive, as_alice: Actor, mixed_task: int
) -> None:
    earlier = _search(hive, as_alice, task_id=mixed_task, n_trials=2, seed=5)
    # Another task on the same data (a holdout): the earlier search's runs are its evidence.
    with transaction(hive.sessions) as session:
        data = session.get_one(Task, mixed_task).dataset_id
        body = TaskCreate(
            task_type="supervised_classification", dataset_id=data, estimation_procedure_id=6
        )
        other_id = task_service.create(session, hive.store, hive.settings, as_alice, body)[0].id
    later = _search(hive, as_alice, task_id=other_id, n_trials=3, seed=5)
    done = [t.config for t in earlier.trials if t.state == "complete"]
    warm = [t for t in later.trials if t.warm_start]
    assert warm, "no configuration of the earlier search was tried first"
    assert [t.number for t in warm] == list(range(len(warm)))
    assert all(t.config in done for t in warm)


def test_the_warm_start_tries_the_portfolio_first_then_the_best_ranked_setups(
    hive: Hive, as_alice: Actor, mixed_task: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _search(hive, as_alice, task_id=mixed_task, n_trials=4, seed=3)
    with transaction(hive.sessions) as session:
        trials = session.scalars(
            select(AutoMLTrial).where(AutoMLTrial.setup_id.is_not(None)).order_by(AutoMLTrial.id)
        ).all()
        made = {t.setup_id: t.config for t in trials}
        search_id = automl.submit(
            session, as_alice, AutoMLCreate(task_id=mixed_task, n_trials=1)
        ).id
    distinct = [s for s in made if list(made.values()).count(made[s]) == 1]
    assert len(distinct) >= 3, "the earlier search made too few distinct configurations"
    first, second, third = distinct[:3]
    unknown = 10**6  # a setup no trial made (a baseline's, an ensemble's): skipped

    def member(setup_id: int) -> PortfolioMember:
        return PortfolioMember(setup_id=setup_id, flow_id=1, flow_name="f", value=1.0, gain=0.1)

    def ranked(rank: int, setup_id: int) -> RecommendedSetup:
        return RecommendedSetup(
            rank=rank, setup_id=setup_id, flow_id=1, flow_name="f", score=1.0, evidence=[]
        )

    # Ranked by score the setups are first, second, third; the portfolio picks third (good
    # where the others are not) before first.
    advice = Recommendations(
        task_id=mixed_task, measure="predictive_accuracy", higher_is_better=True,
        similar_tasks=[], flows=[],
        setups=[ranked(1, first), ranked(2, second), ranked(3, third)],
        portfolio=[member(unknown), member(third), member(first)],
    )  # fmt: skip
    monkeypatch.setattr(recommendations, "recommend", lambda *_: advice)
    with transaction(hive.sessions) as session:
        configs = automl.warm_start(session, as_alice, session.get_one(AutoMLSearch, search_id))
    assert configs == [made[third], made[first], made[second]]
