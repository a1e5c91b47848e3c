"""Trials and suite runs on a real Dask cluster: same results as local processes, hard limits.

One ``distributed.LocalCluster`` (worker threads in this process) serves the whole module;
the server reaches it the way a deployment does, through ``MLHIVE_DASK_SCHEDULER``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pytest
from distributed import LocalCluster

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.experiments import Run
from mlhive.server.domain.access import Actor
from mlhive.server.jobs import cluster
from mlhive.server.jobs.context import JobContext
from mlhive.server.services.automl import automl, suite_runs
from mlhive.server.services.automl import jobs as automl_jobs
from mlhive.server.services.automl.trials import (
    DaskRunner,
    Failed,
    Finished,
    ProcessRunner,
    TrialInput,
    run_trial,
    runner_for,
)
from mlhive.server.services.experiments import flows, studies
from mlhive.server.wiring import Hive
from mlhive.sklearn import estimator_to_flow, parameter_settings
from mlhive.wire.automl import AutoMLCreate, AutoMLOut
from mlhive.wire.studies import CollectionCreate
from mlhive.wire.suite_runs import SuiteRunCreate, SuiteRunOut
from tests.unit.services.automl.automl_world import (
    make_task,
    mixed_csv,
    numeric_csv,
    regression_csv,
)

GiB = 2**30


def _cluster(scratch: Path, *, processes: bool, threads: int) -> LocalCluster:
    """A one-worker cluster on free ports (the HTTP servers too), its files under ``scratch``."""
    return LocalCluster(
        processes=processes, n_workers=1, threads_per_worker=threads, dashboard_address=":0",
        worker_dashboard_address=":0", local_directory=str(scratch),
    )  # fmt: skip


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _cluster(tmp_path_factory.mktemp("dask"), processes=False, threads=2) as local:
        yield local.scheduler_address
        cluster.close_clients()


def _on_dask(hive: Hive, address: str) -> JobContext:
    settings = hive.settings.model_copy(update={"dask_scheduler": address})
    return JobContext(hive.sessions, hive.store, settings)


@pytest.fixture
def mixed_task(hive: Hive, as_alice: Actor) -> int:
    return make_task(hive, as_alice, mixed_csv(), "supervised_classification", "label", "mixed", 25)


def _search(
    hive: Hive, actor: Actor, context: JobContext, runner: Any = None, **body: Any
) -> AutoMLOut:
    with transaction(hive.sessions) as session:
        search_id = automl.submit(session, actor, AutoMLCreate.model_validate(body)).id
    automl_jobs.run_search(context, {"search_id": search_id}, runner=runner)
    hive.worker.drain()
    with transaction(hive.sessions) as session:
        return automl.describe(session, automl.get(session, actor, search_id))


def test_the_settings_choose_the_executor_in_one_place(hive: Hive, scheduler: str) -> None:
    assert isinstance(runner_for(hive.settings), ProcessRunner)
    on_dask = runner_for(_on_dask(hive, scheduler).settings)
    assert isinstance(on_dask, DaskRunner) and on_dask.parallel == 2


def test_a_seeded_search_gives_the_same_trials_and_score_locally_and_on_dask(
    hive: Hive, as_alice: Actor, mixed_task: int, scheduler: str
) -> None:
    local = JobContext(hive.sessions, hive.store, hive.settings)
    here = _search(hive, as_alice, local, task_id=mixed_task, n_trials=3, seed=11)
    there = _search(
        hive, as_alice, _on_dask(hive, scheduler), task_id=mixed_task, n_trials=3, seed=11
    )
    assert here.state == there.state == "done", there.error
    trials = [(t.number, t.state, t.config, t.score, t.rung_scores) for t in here.trials]
    assert trials == [(t.number, t.state, t.config, t.score, t.rung_scores) for t in there.trials]
    assert here.final_score == there.final_score is not None
    assert [(m.trial, m.weight) for m in here.ensemble] == [
        (m.trial, m.weight) for m in there.ensemble
    ]
    assert there.model_commit  # the final refit ran on the cluster too


def _hog(*_: Any) -> None:
    """Allocate (and touch) far more than the test's memory limit."""
    np.ones(3 * GiB // 8)


class _HogOnSecondTrial:
    """The Dask runner, but the second trial allocates beyond the memory limit."""

    def __init__(self, address: str) -> None:
        self.inner = DaskRunner(address)
        self.parallel = 1
        self.calls = 0

    def run(
        self, fn: Callable[..., Any], args: tuple[Any, ...], **limits: Any
    ) -> Finished | Failed:
        self.calls += 1
        return self.inner.run(_hog if self.calls == 2 else fn, args, **limits)


def test_a_trial_beyond_its_memory_limit_on_dask_fails_and_the_search_goes_on(
    hive: Hive, as_alice: Actor, mixed_task: int, scheduler: str
) -> None:
    out = _search(
        hive, as_alice, _on_dask(hive, scheduler), _HogOnSecondTrial(scheduler),
        task_id=mixed_task, n_trials=3, seed=4, memory_limit=int(1.5 * GiB),
    )  # fmt: skip
    assert [(t.state, t.reason) for t in out.trials] == [
        ("complete", None), ("failed", "memory"), ("complete", None),
    ]  # fmt: skip
    assert "memory" in (out.trials[1].message or "")
    assert out.state == "done" and out.final_score is not None


def _sleep(*_: Any) -> None:
    time.sleep(600)


def _answer() -> int:
    return 42


def test_a_trial_past_its_deadline_on_dask_is_a_timeout_and_frees_the_worker(
    scheduler: str,
) -> None:
    runner = DaskRunner(scheduler)
    outcomes = [runner.run(_sleep, (), timeout=0.5, memory_limit=None) for _ in range(2)]
    assert all(isinstance(o, Failed) and o.reason == "timeout" for o in outcomes)
    assert all("deadline" in o.message for o in outcomes if isinstance(o, Failed))
    # Both worker threads ran a sleeper; their children were killed, so the cluster answers.
    answer = runner.run(_answer, (), timeout=30, memory_limit=None)
    assert isinstance(answer, Finished) and answer.value == 42


class _SlowSecondTrial:
    """The Dask runner, but the second trial sleeps past any deadline."""

    def __init__(self, address: str) -> None:
        self.inner = DaskRunner(address)
        self.parallel = 1
        self.calls = 0

    def run(
        self, fn: Callable[..., Any], args: tuple[Any, ...], **limits: Any
    ) -> Finished | Failed:
        self.calls += 1
        return self.inner.run(_sleep if self.calls == 2 else fn, args, **limits)


def test_a_search_on_dask_records_a_trial_killed_at_its_deadline_and_goes_on(
    hive: Hive, as_alice: Actor, mixed_task: int, scheduler: str
) -> None:
    context = _on_dask(hive, scheduler)
    context = JobContext(
        context.sessions,
        context.store,
        context.settings.model_copy(update={"job_time_limit_seconds": 20.0}),
    )
    out = _search(
        hive, as_alice, context, _SlowSecondTrial(scheduler), task_id=mixed_task, n_trials=3, seed=4
    )
    assert [(t.state, t.reason) for t in out.trials] == [
        ("complete", None), ("failed", "timeout"), ("complete", None),
    ]  # fmt: skip
    assert out.trials[1].seconds < 25
    assert out.state == "done"


def test_a_trial_on_a_cluster_of_worker_processes_scores_as_it_does_locally(
    hive: Hive, as_alice: Actor, mixed_task: int, tmp_path: Path
) -> None:
    """As deployed: Dask workers in processes of their own (allowed to start children)."""
    with transaction(hive.sessions) as session:
        plan = automl.prepare(session, hive.store, automl.submit(
            session, as_alice, AutoMLCreate(task_id=mixed_task, n_trials=1)
        ).id, time.monotonic())  # fmt: skip
    assert plan is not None
    config = {"model": "random_forest", "n_estimators": 20, "max_features": 0.5,
              "min_samples_leaf": 2}  # fmt: skip
    job = TrialInput(hive.store, plan.spec, plan.columns, config, 1.0, 0, plan.metric)
    local = ProcessRunner().run(run_trial, (job,), timeout=60, memory_limit=None)
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        _cluster(tmp_path, processes=True, threads=1) as separate,
    ):
        remote = DaskRunner(separate.scheduler_address).run(
            run_trial, (job,), timeout=60, memory_limit=2 * GiB
        )
        cluster.close_clients()
    assert isinstance(local, Finished) and isinstance(remote, Finished), remote
    assert remote.value.score == local.value.score is not None
    assert remote.value.predictions == local.value.predictions
    assert remote.peak_memory and remote.peak_memory < 2 * GiB


# ---------------------------------------------------------------- suite runs


@pytest.fixture
def suite(hive: Hive, as_alice: Actor) -> tuple[int, list[int]]:
    """Two classification tasks and a regression task in one suite."""
    ids = [
        make_task(hive, as_alice, numeric_csv(), "supervised_classification", "label", "n1", 25),
        make_task(
            hive, as_alice, numeric_csv(seed=4), "supervised_classification", "label", "n2", 6
        ),
        make_task(hive, as_alice, regression_csv(), "supervised_regression", "y", "lin", 12),
    ]
    with transaction(hive.sessions) as session:
        body = CollectionCreate(name="three", task_ids=ids)
        return studies.create(session, as_alice, "suite", body).id, ids


def _suite_run(
    hive: Hive, actor: Actor, context: JobContext, suite_id: int, **body: Any
) -> SuiteRunOut:
    with transaction(hive.sessions) as session:
        row = suite_runs.submit(session, actor, suite_id, SuiteRunCreate.model_validate(body))
        queued = suite_runs.describe(session, row)
    assert queued.state == "queued" and queued.done == queued.failed == 0
    automl_jobs.run_suite(context, {"suite_run_id": queued.id})
    hive.worker.drain()
    with transaction(hive.sessions) as session:
        return suite_runs.describe(session, suite_runs.get(session, actor, suite_id, queued.id))


def test_a_flow_with_a_setup_runs_on_every_task_of_a_suite_on_dask(
    hive: Hive, as_alice: Actor, suite: tuple[int, list[int]], scheduler: str
) -> None:
    from sklearn.tree import DecisionTreeClassifier

    suite_id, task_ids = suite
    with transaction(hive.sessions) as session:
        flow, _ = flows.upload(session, as_alice, estimator_to_flow(DecisionTreeClassifier()))
        given = parameter_settings(
            DecisionTreeClassifier(max_depth=1), flows.describe(session, flow)
        )
        setup = flows.setup_for(session, flow.id, flows.resolve_settings(session, flow.id, given))
        flow_id, setup_id = flow.id, setup.id
    out = _suite_run(
        hive, as_alice, _on_dask(hive, scheduler), suite_id, flow_id=flow_id, setup_id=setup_id
    )
    assert out.state == "done" and (out.total, out.done, out.failed) == (3, 2, 1)
    by_task = {t.task_id: t for t in out.tasks}
    assert [by_task[i].state for i in task_ids] == ["done", "done", "failed"]
    # A classifier cannot fit the regression task: said on that task, the others go on.
    assert by_task[task_ids[2]].run_id is None and by_task[task_ids[2]].error
    assert all(by_task[i].metric == "predictive_accuracy" for i in task_ids[:2])
    assert all(0.5 <= (by_task[i].score or 0) <= 1 for i in task_ids[:2])
    with transaction(hive.sessions) as session:
        study = studies.get(session, as_alice, "study", out.study_id or 0)
        members = studies.members(session, study, as_alice)
        made = [session.get_one(Run, by_task[i].run_id or 0) for i in task_ids[:2]]
        assert all(r.state == "evaluated" and r.setup_id == setup_id for r in made)
    assert members == sorted(by_task[i].run_id for i in task_ids[:2])


def test_automl_runs_on_every_task_of_a_suite_with_its_budget(
    hive: Hive, as_alice: Actor, suite: tuple[int, list[int]]
) -> None:
    suite_id, task_ids = suite
    context = JobContext(hive.sessions, hive.store, hive.settings)
    out = _suite_run(hive, as_alice, context, suite_id, automl={"n_trials": 1, "seed": 1})
    assert out.state == "done" and (out.total, out.done, out.failed) == (3, 3, 0)
    with transaction(hive.sessions) as session:
        for unit in out.tasks:
            search = automl.describe(
                session, automl.get(session, as_alice, unit.automl_search_id or 0)
            )
            assert search.state == "done" and len(search.trials) == 1
            assert search.task_id == unit.task_id
            assert unit.run_id == search.ensemble_run_id is not None
            assert unit.score == search.final_score and unit.metric == search.metric
        members = studies.members(
            session, studies.get(session, as_alice, "study", out.study_id or 0), as_alice
        )
    assert members == sorted(u.run_id for u in out.tasks)
    assert sorted(u.task_id for u in out.tasks) == task_ids
