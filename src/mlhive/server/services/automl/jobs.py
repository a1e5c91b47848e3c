"""The AutoML job handler: the edge that opens the search's transactions.

The search itself (:func:`.automl.search`) touches no database; each finished trial is
recorded in a transaction of its own (and a complete trial's run scored at once), so what a
search found is kept even if a later phase fails or the budget runs out.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from mlhive.server.db.engine import transaction
from mlhive.server.domain.errors import NotFound
from mlhive.server.jobs.bounded import run_bounded
from mlhive.server.jobs.context import Handler, JobContext
from mlhive.server.services.automl import auto, automl, reproductions, suite_runs
from mlhive.server.services.automl.automl import AUTOML_JOB, Ensemble, Plan, TrialRecord
from mlhive.server.services.automl.reproductions import REPRODUCE_JOB
from mlhive.server.services.automl.suite_runs import SUITE_RUN_JOB
from mlhive.server.services.automl.trials import Failed, Finished, Runner, refit, runner_for
from mlhive.server.services.datasets.processing import AUTO_LEADERBOARD_JOB
from mlhive.server.services.experiments.jobs import evaluate_run
from mlhive.server.services.forge import commits, repos
from mlhive.server.services.forge.evaluation import fit_on_folds
from mlhive.wire.models import CommitCreate, RepoCreate

log = logging.getLogger("mlhive.worker")
PUSH_SECONDS = 1.0
"""Kept back from the final refit for recording the commit, at the least."""


@dataclass
class Costs:
    """What recording and scoring a trial took on this machine, now: the work after the
    refit (recording the model's commit, the study, the search) is of the same kind as
    recording a trial, and a loaded machine slows both alike."""

    record: float = 0.0
    score: float = 0.0

    def recorded(self, seconds: float) -> None:
        self.record = max(self.record, seconds)

    def scored(self, seconds: float) -> None:
        self.score = max(self.score, seconds)

    def reserve(self) -> float:
        """Seconds kept back from the refit's deadline: twice the slowest trial's recording
        (the commit, then the study and the search's row), and never under PUSH_SECONDS."""
        return max(PUSH_SECONDS, 2 * self.record)


def run_search(
    context: JobContext, payload: Mapping[str, Any], runner: Runner | None = None
) -> None:
    """Job handler: run an AutoML search within its budgets and record all it made.

    Raises:
        Exception: whatever stopped the search, after the search was marked failed.
    """
    start = time.monotonic()
    search_id = int(payload["search_id"])
    try:
        _run(context, search_id, start, runner or runner_for(context.settings))
    except Exception as exc:
        with transaction(context.sessions) as session:
            automl.mark_failed(session, search_id, exc, time.monotonic() - start)
        raise


def _run(context: JobContext, search_id: int, start: float, runner: Runner) -> None:
    with transaction(context.sessions) as session:
        plan = automl.prepare(session, context.store, search_id, start)
    if plan is None:
        return

    costs = Costs()

    def record(trial: TrialRecord) -> None:
        mark = time.monotonic()
        with transaction(context.sessions) as session:
            run_id = automl.record_trial(session, context.store, context.settings, plan, trial)
        costs.recorded(time.monotonic() - mark)
        if run_id is not None:
            mark = time.monotonic()
            evaluate_run(context, {"run_id": run_id})
            costs.scored(time.monotonic() - mark)

    cap = context.settings.job_time_limit_seconds or None
    records = automl.search(plan, runner, record, context.store, trial_cap=cap)
    notes: list[str] = []
    chosen = automl.select_ensemble(plan, records, context.store)
    run_ids = [r.run_id for r in records if r.run_id is not None]
    repo = commit = None
    if chosen is None:
        notes.append("no trial completed, so there is no ensemble and no model")
    else:
        with transaction(context.sessions) as session:
            ensemble_run = automl.record_ensemble(
                session, context.store, context.settings, plan, chosen
            )
        run_ids.append(ensemble_run)
        repo, commit, note = _final_model(
            context, plan, runner, records, chosen, ensemble_run, costs
        )
        notes += [note] if note else []
        # The ensemble's run is queued for scoring like any run; it is scored here at once
        # only when that fits in what is left of the budget (as the trials' scoring took).
        if plan.budget.left(time.monotonic()) > costs.reserve() + costs.score:
            evaluate_run(context, {"run_id": ensemble_run})
    with transaction(context.sessions) as session:
        study_id = automl.create_study(session, plan, run_ids) if run_ids else None
        automl.finish(
            session, search_id, time.monotonic() - start,
            study_id=study_id, repo=repo, commit=commit, notes=notes,
        )  # fmt: skip


def _final_model(
    context: JobContext,
    plan: Plan,
    runner: Runner,
    records: list[TrialRecord],
    chosen: Ensemble,
    ensemble_run: int,
    costs: Costs,
) -> tuple[str | None, str | None, str | None]:
    """Refit the ensemble on all rows and store its file (in a child, killed at the budget's
    end less what recording the commit takes), then record the commit."""
    left = plan.budget.left(time.monotonic()) - costs.reserve()
    if left <= 0:
        return None, None, "the final model was not pushed: the time budget was spent"
    timeout = None if left == float("inf") else left
    job = automl.refit_input(plan, chosen, context.store)
    outcome = runner.run(refit, (job,), timeout=timeout, memory_limit=plan.memory_limit)
    failure = automl.refit_failure(outcome)
    if failure is not None or not isinstance(outcome, Finished):
        return None, None, failure
    ingested = outcome.value
    name = f"automl-task-{plan.spec.task_id}"
    card = {
        "lineage": {"task_id": plan.spec.task_id, "run_id": ensemble_run},
        "text": automl.card_text(plan, records, chosen, ensemble_run),
        "intended_use": f"Predicting task {plan.spec.task_id}'s target.",
    }
    meta = CommitCreate.model_validate(
        {"message": f"AutoML search {plan.search_id} (seed {plan.seed})", "card": card}
    )
    with transaction(context.sessions) as session:
        try:
            repo = repos.get_repo(session, plan.actor, plan.actor.name, name)
        except NotFound:
            body = RepoCreate(
                name=name,
                description=f"Models found by AutoML on task {plan.spec.task_id}.",
                visibility="private" if plan.visibility == "private" else "public",
            )
            repo = repos.create_repo(session, plan.actor, body)
        applied = automl.data_applied(session, plan)
        sha = commits.push(session, plan.actor, repo, ingested, meta, applied).sha
    return f"{plan.actor.name}/{name}", sha, None


def _handler(context: JobContext, payload: Mapping[str, Any]) -> None:
    run_search(context, payload)


# ---------------------------------------------------------------- suite runs


def run_suite(
    context: JobContext, payload: Mapping[str, Any], runner: Runner | None = None
) -> None:
    """Job handler: run a flow or AutoML on every task of a suite, one unit per task.

    Units run on the runner (at once, as many as it has room for); each is recorded as it
    finishes, so ``GET`` shows the progress, and one failing task never stops the others.

    Raises:
        Exception: what stopped the whole run (not one task), after it was marked failed.
    """
    start = time.monotonic()
    suite_run_id = int(payload["suite_run_id"])
    try:
        with transaction(context.sessions) as session:
            plan = suite_runs.prepare(session, suite_run_id)
        if plan is None:
            return
        active = runner or runner_for(context.settings)
        width = max(1, min(active.parallel, len(plan.units)))
        with ThreadPoolExecutor(width, thread_name_prefix="mlhive-suite") as pool:
            list(pool.map(lambda unit: _run_unit(context, plan, active, unit), plan.units))
        with transaction(context.sessions) as session:
            suite_runs.finish(session, plan, time.monotonic() - start)
    except Exception as exc:
        with transaction(context.sessions) as session:
            suite_runs.mark_failed(session, suite_run_id, exc, time.monotonic() - start)
        raise


def _run_unit(
    context: JobContext, plan: suite_runs.Plan, runner: Runner, unit: suite_runs.Unit
) -> None:
    start = time.monotonic()
    peak: int | None = None
    try:
        with transaction(context.sessions) as session:
            spec = suite_runs.start_unit(session, plan, unit)
        if unit.automl_search_id is not None:
            try:
                run_search(context, {"search_id": unit.automl_search_id}, runner=runner)
            except Exception as exc:  # recorded on the search; said on the task below
                log.warning("suite run %s: task %s: %s", plan.suite_run_id, unit.task_id, exc)
            with transaction(context.sessions) as session:
                run_id, error = suite_runs.automl_outcome(session, unit.automl_search_id)
        else:
            limit = context.settings.job_time_limit_seconds or None
            outcome = runner.run(
                fit_on_folds, (context.store, plan.estimator, spec),
                timeout=limit, memory_limit=plan.memory_limit,
            )  # fmt: skip
            peak = outcome.peak_memory
            if isinstance(outcome, Failed):
                run_id, error = None, f"{outcome.reason}: {outcome.message}"
            else:
                with transaction(context.sessions) as session:
                    run_id = suite_runs.record_flow_run(
                        session, context.store, context.settings, plan, spec, outcome.value
                    )
                evaluate_run(context, {"run_id": run_id})
                error = None
    except Exception as exc:
        log.exception("suite run %s: task %s failed", plan.suite_run_id, unit.task_id)
        run_id, error = None, "".join(traceback.format_exception_only(exc)).strip()
    with transaction(context.sessions) as session:
        suite_runs.finish_unit(
            session, plan, unit, seconds=time.monotonic() - start, error=error, run_id=run_id,
            peak_memory=peak,
        )  # fmt: skip


def auto_leaderboard(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: a processed dataset's standard task, baseline runs and AutoML search
    (:mod:`.auto`). A failure is recorded on the dataset's row (what was made stays) and the
    job ends: the upload it follows is never affected."""
    dataset_id = int(payload["dataset_id"])
    try:
        with transaction(context.sessions) as session:
            plan = auto.begin(session, context.store, context.settings, dataset_id)
        if plan is None:
            return
        for estimator in plan.estimators:
            fitted = run_bounded(
                fit_on_folds, context.store, estimator, plan.spec,
                seconds=context.settings.job_time_limit_seconds,
                what=f"a baseline on task {plan.spec.task_id}",
            )  # fmt: skip
            with transaction(context.sessions) as session:
                run_id = auto.record_baseline(
                    session, context.store, context.settings, plan, fitted
                )
            evaluate_run(context, {"run_id": run_id})
        with transaction(context.sessions) as session:
            auto.finish(session, plan)
    except Exception as exc:
        with transaction(context.sessions) as session:
            auto.mark_failed(session, dataset_id, exc)


# ---------------------------------------------------------------- reproductions


def reproduce(
    context: JobContext, payload: Mapping[str, Any], runner: Runner | None = None
) -> None:
    """Job handler: re-run a run's setup on its task's splits, score it, compare, record.

    A failure anywhere (the fit in the child, its time or memory limit, scoring) is recorded
    on the reproduction as ``failed`` with the log; the job itself then ends normally.
    """
    reproduction_id = int(payload["reproduction_id"])
    try:
        with transaction(context.sessions) as session:
            plan = reproductions.prepare(session, reproduction_id)
        if plan is None:
            return
        active = runner or runner_for(context.settings)
        outcome = active.run(
            fit_on_folds, (context.store, plan.estimator, plan.spec),
            timeout=context.settings.job_time_limit_seconds or None, memory_limit=None,
        )  # fmt: skip
        if isinstance(outcome, Failed):
            with transaction(context.sessions) as session:
                reproductions.mark_failed(
                    session, reproduction_id,
                    f"the re-run failed ({outcome.reason}) after {outcome.seconds:.1f} s:\n"
                    f"{outcome.message}",
                )  # fmt: skip
            return
        with transaction(context.sessions) as session:
            reproductions.note(
                session, reproduction_id, f"refitted on every fold in {outcome.seconds:.2f} s"
            )
            run_id = reproductions.record_rerun(
                session, context.store, context.settings, plan, outcome.value
            )
        try:
            evaluate_run(context, {"run_id": run_id})
        except Exception as exc:  # recorded on the run; said on the reproduction below
            log.warning("reproduction %s: scoring run %s: %s", reproduction_id, run_id, exc)
        with transaction(context.sessions) as session:
            reproductions.conclude(session, plan)
    except Exception as exc:
        log.exception("reproduction %s failed", reproduction_id)
        with transaction(context.sessions) as session:
            reproductions.mark_failed(
                session, reproduction_id, "".join(traceback.format_exception(exc))[-4000:]
            )


HANDLERS: dict[str, Handler] = {
    REPRODUCE_JOB: reproduce,
    AUTOML_JOB: _handler,
    SUITE_RUN_JOB: run_suite,
    AUTO_LEADERBOARD_JOB: auto_leaderboard,
}
