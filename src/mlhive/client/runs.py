"""``client.runs``: run estimators on tasks, upload, find, compare and delete runs."""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pyarrow.parquet as pq

from mlhive.client import _experiment, _predictions
from mlhive.client._fetch import cached_blob, frame, ids, paginate
from mlhive.client._http import HttpCore
from mlhive.client._predictions import Predictions
from mlhive.client.cache import Cache
from mlhive.client.flows import FlowsAPI, SetupsAPI
from mlhive.client.run import LocalRun, Run, RunFailedError
from mlhive.client.task import Task
from mlhive.client.tasks import TasksAPI
from mlhive.errors import WaitTimeoutError
from mlhive.wire.flows import FlowCreate, short_flow_name
from mlhive.wire.reproductions import ReproductionOut, ReproductionPage
from mlhive.wire.runs import RunComparison, RunCreate, RunOut, RunSummary

RUN_COLUMNS = list(RunSummary.model_fields)
IdFilter = int | Iterable[int] | None


def _plain(value: str | None) -> Any:
    """A parameter value as Python (``"4"`` -> 4, ``'"gini"'`` -> ``"gini"``); text that is
    not JSON stays as it is."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


LONG_POLL_SECONDS = 15.0
"""The longest the server is asked to hold one request for a run's evaluation (it allows 20)."""


class RunsAPI:
    """``client.runs``: every run operation of the native API (``client.run`` makes runs).

    Example:
        >>> client.runs.list(task=1, uploader="alice")  # doctest: +SKIP
        >>> client.runs.compare([10, 11], measure="predictive_accuracy")  # doctest: +SKIP
    """

    def __init__(
        self,
        core: HttpCore,
        cache: Cache,
        tasks: TasksAPI,
        flows: FlowsAPI,
        setups: SetupsAPI,
        poll_interval: float = 0.5,
    ) -> None:
        self._core = core
        self._cache = cache
        read_timeout = core.http.timeout.read
        # Each long poll ends well before the connection's own read timeout would.
        self.long_poll_seconds = min(LONG_POLL_SECONDS, (read_timeout or 60.0) / 2)
        self._tasks = tasks
        self._flows = flows
        self._setups = setups
        self.poll_interval = poll_interval

    # -- reading ------------------------------------------------------------------------------

    def _describe(self, run_id: int, wait: float = 0) -> RunOut:
        """The run; with ``wait``, the server holds a pending run up to that many seconds."""
        params = {"wait": f"{wait:.3f}"} if wait > 0 else None
        return RunOut.model_validate(self._core.get_json(f"/api/runs/{run_id}", params=params))

    def _predictions_file(self, run_id: int, sha256: str) -> Path:
        path = f"/api/runs/{run_id}/predictions"
        return cached_blob(self._core, self._cache, sha256, path, label=f"predictions {run_id}")

    def get(self, run_id: int) -> Run:
        """A run with its parameter values, fold timings and the server's evaluations.

        Raises:
            NotFoundError: no such run (or its task is not visible to you).
            ConnectionFailedError: the server is unreachable.
        """
        return Run._of(self, self._describe(run_id))

    def iter_runs(
        self,
        *,
        task: IdFilter = None,
        flow: IdFilter = None,
        setup: IdFilter = None,
        uploader: str | None = None,
        tag: str | None = None,
        study: int | None = None,
        limit: int = 1000,
        page_size: int = 500,
    ) -> Iterator[RunSummary]:
        """Iterate over matching runs, oldest first, fetching pages lazily (see :meth:`list`).

        Raises:
            InvalidInputError: a bad filter. ConnectionFailedError: the server is unreachable.
        """
        params: dict[str, Any] = {
            "task": ids(task), "flow": ids(flow), "setup": ids(setup),
            "uploader": uploader, "tag": tag, "study": study,
        }  # fmt: skip
        for raw in paginate(self._core, "/api/runs", params, limit=limit, page_size=page_size):
            yield RunSummary.model_validate(raw)

    def compare(
        self,
        run_ids: Iterable[int],
        measure: str = "predictive_accuracy",
        *,
        all_parameters: bool = False,
    ) -> pd.DataFrame:
        """Runs side by side: one column per run, one row per parameter they differ in.

        Args:
            run_ids: 1 to 50 runs.
            measure: the measure to show.
            all_parameters: show every parameter, not only those whose values differ.

        Returns:
            A frame whose columns are the run ids and whose rows are ``flow`` (the short
            flow name), ``measure`` (the run's mean score), then one row per parameter under
            a readable name (``DecisionTreeClassifier.max_depth``) with plain values
            (``4``, ``"gini"``, ``None``; not JSON text). ``attrs`` holds ``measure``,
            ``stdev`` and ``per_fold`` (``{run id: [repeat][fold]}``).

        Raises:
            InvalidInputError: no runs, more than 50, or an unknown measure (the valid ones
                are named). NotFoundError: an unknown run.

        Example:
            >>> client.runs.compare([10, 11])  # doctest: +SKIP
                                              10                      11
            flow              DecisionTreeClassifier  DecisionTreeClassifier
            measure                         0.8733                  0.9167
            DecisionTreeClassifier.max_depth       1                       4
        """
        wanted = ids(run_ids)
        raw = self._core.get_json("/api/runs/compare", {"run": wanted, "measure": measure})
        comparison = RunComparison.model_validate(raw)
        order = [run.id for run in comparison.runs]
        scores = {
            run.id: next((e for e in run.evaluations if e.measure == measure), None)
            for run in comparison.runs
        }
        rows: dict[str, list[Any]] = {
            "flow": [short_flow_name(run.flow_name) for run in comparison.runs],
            "measure": [score.value if score else None for score in scores.values()],
        }
        for key, values in comparison.parameters.items():
            per_run = [values.get(run_id) for run_id in order]
            if all_parameters or len(order) < 2 or len(set(per_run)) > 1:
                label = comparison.parameter_names.get(key, key)
                rows[label] = [_plain(value) for value in per_run]
        df = pd.DataFrame.from_dict(rows, orient="index", columns=order, dtype=object)
        df.columns.name, df.index.name = "run", "parameter"
        df.attrs.update(
            measure=measure,
            stdev={run_id: s.stdev if s else None for run_id, s in scores.items()},
            per_fold=dict(comparison.per_fold),
        )
        return df

    # -- changing -----------------------------------------------------------------------------

    def tag(self, run_id: int, tag: str) -> list[str]:
        """Add a tag; returns all the run's tags.

        Raises:
            InvalidInputError: a malformed tag. NotFoundError: no such run.
        """
        path = f"/api/runs/{run_id}/tags"
        return list(self._core.request("POST", path, json={"tag": tag}).json())

    def untag(self, run_id: int, tag: str) -> list[str]:
        """Remove a tag; returns the remaining tags.

        Raises:
            NotFoundError: no such run or tag. PermissionDeniedError: not allowed.
        """
        path = f"/api/runs/{run_id}/tags/{quote(tag, safe='')}"
        return list(self._core.request("DELETE", path).json())

    def delete(self, run_id: int) -> None:
        """Delete a run (its uploader or an administrator).

        Raises:
            PermissionDeniedError: not your run. NotFoundError: no such run.
        """
        self._core.request("DELETE", f"/api/runs/{run_id}")

    # -- reproductions ------------------------------------------------------------------------

    def reproduce(
        self,
        run_id: int,
        *,
        tolerance: float | None = None,
        rerun: int | None = None,
        wait: bool = True,
        timeout: float = 600,
    ) -> ReproductionOut:
        """Ask the server to reproduce a run: it rebuilds the run's flow with its setup's
        values, refits it on every fold of the same task and compares each measure with the
        original within ``tolerance`` (the server's default: 1e-9).

        Args:
            run_id: the run to reproduce (any run you may see).
            tolerance: the largest absolute difference per measure still counted as reproduced.
            rerun: instead of a server re-run, link this run of yours (same task, same flow and
                parameter values, evaluated) as a reproduction; it is compared at once.
            wait: wait for the outcome (``reproduced``, ``differs`` or ``failed``).
            timeout: seconds to wait at most.

        Raises:
            InvalidInputError: the run cannot be rebuilt, or ``rerun`` does not match it (the
                message says why). NotFoundError: no such run (or not yours to see).
            WaitTimeoutError: still queued or running after ``timeout`` seconds.
        """
        body = {"tolerance": tolerance, "run_id": rerun}
        answer = self._core.request(
            "POST",
            f"/api/runs/{run_id}/reproductions",
            json={k: v for k, v in body.items() if v is not None},
        )
        found = ReproductionOut.model_validate(answer.json())
        if not wait:
            return found
        deadline = time.monotonic() + timeout
        while found.state in ("queued", "running"):
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(
                    f"reproduction {found.id} of run {run_id} is still {found.state} "
                    f"after {timeout:g} s"
                )
            time.sleep(self.poll_interval)
            found = self.reproduction(found.id)
        return found

    def reproduction(self, reproduction_id: int) -> ReproductionOut:
        """One reproduction: its state, each measure's original and re-run value, its log."""
        data = self._core.get_json(f"/api/reproductions/{reproduction_id}")
        return ReproductionOut.model_validate(data)

    def reproductions(self, run_id: int) -> list[ReproductionOut]:
        """A run's reproductions, newest first."""
        data = self._core.get_json(f"/api/runs/{run_id}/reproductions")
        return ReproductionPage.model_validate(data).items

    # -- making runs --------------------------------------------------------------------------

    def _publish(self, local: LocalRun) -> Run:
        flow = self._flows.publish(local.flow)
        description = RunCreate(
            task_id=local.task.id,
            flow_id=flow.id,
            parameter_settings=_experiment.settings_for(local.estimator, flow),
            tags=local.tags,
            error_message=None if local.error is None else str(local.error),
            fold_timings=local.fold_timings,
            setup_string=_experiment.setup_string(local.estimator),
        )
        files = None
        if local.predictions_table is not None:
            sink = io.BytesIO()
            pq.write_table(local.predictions_table, sink)
            media = "application/vnd.apache.parquet"
            files = {"predictions": ("predictions.parquet", sink.getvalue(), media)}
        response = self._core.request(
            "POST", "/api/runs", data={"description": description.model_dump_json()}, files=files
        )
        return Run._of(self, RunOut.model_validate(response.json()))

    def find_duplicate(self, task_id: int, estimator: Any) -> Run | None:
        """An existing run of ``estimator`` (same flow and parameter values) on a task.

        Runs that failed or could not be evaluated do not count.

        Args:
            task_id: the task.
            estimator: a scikit-learn estimator.

        Returns:
            The oldest such run, or None.

        Raises:
            FlowConversionError: the estimator cannot be described as a flow.
        """
        return self._duplicate(task_id, _experiment.describe(estimator), estimator)

    def _duplicate(self, task_id: int, flow: FlowCreate, estimator: Any) -> Run | None:
        flow_id = self._flows.exists(flow.name, flow.external_version)
        if flow_id is None:
            return None
        uploaded = self._flows.get(flow_id)
        wanted = _experiment.settings_key(_experiment.settings_for(estimator, uploaded))
        matches: dict[int, bool] = {}
        # There is no lookup of a setup by its values: compare each setup used on the task.
        for summary in self.iter_runs(task=task_id, flow=flow_id, limit=100_000):
            if summary.state in ("failed", "error"):
                continue
            if summary.setup_id not in matches:
                setup = self._setups.get(summary.setup_id)
                matches[summary.setup_id] = _experiment.settings_key(setup.parameters) == wanted
            if matches[summary.setup_id]:
                return self.get(summary.id)
        return None

    def run_estimator(
        self,
        estimator: Any,
        task: int | Task,
        *,
        n_jobs: int = -1,
        tags: Iterable[str] = (),
        upload: bool = True,
        avoid_duplicate: bool = False,
        progress: bool | None = None,
    ) -> Run | LocalRun:
        """Run an estimator on a task's splits and upload the run (see :meth:`Client.run`)."""
        task_obj = task if isinstance(task, Task) else self._tasks.get(task)
        flow = _experiment.describe(estimator)
        if avoid_duplicate:
            existing = self._duplicate(task_obj.id, flow, estimator)
            if existing is not None:
                return existing
        if progress is None:  # a person watching a terminal gets a bar of the folds done
            progress = sys.stderr.isatty()
        local = _experiment.execute(
            task_obj, estimator, flow, n_jobs=n_jobs, tags=list(tags), progress=progress
        )
        local._api = self
        if not upload:
            if local.error is not None:
                raise local.error
            return local
        run = local.publish()
        error: Any = local.error
        if error is not None:
            raise RunFailedError(
                f"{error} (recorded as failed run {run.id})",
                error.repeat,
                error.fold,
                error.sample,
                run.id,
            ) from error
        return run

    def upload(
        self,
        task: int | Task,
        predictions: Predictions,
        *,
        flow: str,
        parameters: Mapping[str, Any] | None = None,
        flow_version: str | None = None,
        tags: Iterable[str] = (),
    ) -> Run:
        """Upload predictions made by any tool (PyTorch, XGBoost, R, ...) as a run on a task.

        The server scores them like any run: they reach the task's leaderboard under ``flow``.

        Args:
            task: the task or its id.
            predictions: a DataFrame or pyarrow Table, or a ``.parquet``, ``.csv`` or OpenML
                ``.arff`` file, with ``repeat``, ``fold``, [``sample``,] ``row_id`` and
                ``prediction`` (and ``confidence.<class>`` per class for classification) for
                every test row of every fold (see :meth:`Task.iter_folds`).
            flow: the method's name, e.g. ``"torch.ResNet18"`` (created on first use).
            parameters: the method's parameter values (JSON-able), recorded as the run's setup.
            flow_version: the flow's external version (default: derived from the parameter
                names, so a new parameter makes a new flow version).
            tags: tags for the run.

        Returns:
            The uploaded run (``pending`` until the server has scored it: ``run.wait()``).

        Raises:
            InvalidInputError: predictions that do not cover the task's folds (``detail`` says
                which rows or columns). ValueError: a parameter JSON cannot hold, or a file that
                is not Parquet, CSV or ARFF. AuthenticationError: no or an invalid API key.

        Example:
            >>> run = client.runs.upload(task, frame, flow="xgboost.XGBClassifier",
            ...                          parameters={"max_depth": 6})  # doctest: +SKIP
        """
        values = _predictions.encoded(parameters or {})  # refused before anything is sent
        task_obj = task if isinstance(task, Task) else self._tasks.get(task)
        classification = task_obj.task_type in ("supervised_classification", "learning_curve")
        files = {
            "predictions": _predictions.predictions_file(predictions, classification=classification)
        }
        described = self._flows.publish(_predictions.flow_for(flow, values, flow_version))
        description = RunCreate(
            task_id=task_obj.id,
            flow_id=described.id,
            parameter_settings=_predictions.settings_for(described, values),
            tags=list(tags),
        )
        response = self._core.request(
            "POST", "/api/runs", data={"description": description.model_dump_json()}, files=files
        )
        return Run._of(self, RunOut.model_validate(response.json()))

    # Defined last: inside the class body ``list`` would shadow the builtin in annotations.
    def list(
        self,
        *,
        task: IdFilter = None,
        flow: IdFilter = None,
        setup: IdFilter = None,
        uploader: str | None = None,
        tag: str | None = None,
        study: int | None = None,
        limit: int = 1000,
        page_size: int = 500,
    ) -> pd.DataFrame:
        """Find runs you may see, oldest first, as a table.

        Args:
            task, flow, setup: one id or several (any of them matches).
            uploader: the uploader's user name.
            tag: only runs with this tag.
            study: only runs in this study.
            limit: the most rows to return (pages are followed until then).
            page_size: rows per request.

        Returns:
            One row per run: ``id``, ``task_id``, ``flow_id``, ``flow_name``, ``setup_id``,
            ``uploader``, ``upload_time``, ``state``, ``tags``.

        Raises:
            InvalidInputError: a bad filter. ConnectionFailedError: the server is unreachable.

        Example:
            >>> client.runs.list(task=[1, 2], flow=7)  # doctest: +SKIP
        """
        runs = self.iter_runs(
            task=task, flow=flow, setup=setup, uploader=uploader, tag=tag, study=study,
            limit=limit, page_size=page_size,
        )  # fmt: skip
        return frame((run.model_dump() for run in runs), RUN_COLUMNS)
