"""``client.tasks``: create, find and read tasks, their estimation procedures and leaderboards."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import pandas as pd

from mlhive.client._fetch import cached_blob, checked, frame, paginate
from mlhive.client._http import HttpCore
from mlhive.client._upload import input_error
from mlhive.client.cache import Cache
from mlhive.client.datasets import DatasetsAPI, QualityBounds, _quality_params
from mlhive.client.task import Task
from mlhive.wire.automl import Recommendations
from mlhive.wire.flows import short_flow_name
from mlhive.wire.runs import Leaderboard, LeaderboardGroup
from mlhive.wire.tasks import EstimationProcedureOut, TaskCreate, TaskOut, TaskType

#: Short names accepted for ``task_type``.
TASK_TYPE_ALIASES: dict[str, TaskType] = {
    "classification": "supervised_classification",
    "regression": "supervised_regression",
    "supervised_classification": "supervised_classification",
    "supervised_regression": "supervised_regression",
    "learning_curve": "learning_curve",
    "clustering": "clustering",
}
#: The estimation procedure used when none is given: OpenML's usual choice per task type.
DEFAULT_PROCEDURES: dict[TaskType, int] = {
    "supervised_classification": 1,  # 10-fold stratified cross-validation
    "supervised_regression": 7,  # 10-fold cross-validation
    "learning_curve": 13,  # 10-fold learning curve
    "clustering": 17,  # 50 times clustering
}
TASK_COLUMNS = [
    "id", "task_type", "dataset_id", "dataset_name", "dataset_version", "target",
    "estimation_procedure", "number_of_rows", "status", "uploader", "tags",
]  # fmt: skip
PROCEDURE_COLUMNS = list(EstimationProcedureOut.model_fields)
# The value comes right after the rank: pandas elides middle columns on a narrow terminal.
# The long names sit in the middle: when a terminal is too narrow, pandas elides the middle
# columns, so rank, value and the short columns on the right stay in view.
LEADERBOARD_COLUMNS = [
    "rank", "value", "stdev", "flow", "flow_name", "setup_id", "run_id", "uploader",
    "runs_of_flow", "flow_id",
]  # fmt: skip


def task_type_of(name: str) -> TaskType:
    """The task type for ``name`` (full or short, e.g. ``classification``).

    Raises:
        InvalidInputError: an unknown task type (subclass of ValueError).
    """
    try:
        return TASK_TYPE_ALIASES[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(TASK_TYPE_ALIASES))
        raise input_error(f"task_type: unknown task type {name!r} (known: {known})") from None


def _summary_row(task: TaskOut) -> dict[str, Any]:
    return {**task.model_dump(), "estimation_procedure": task.estimation_procedure.name}


class TasksAPI:
    """``client.tasks``: every task operation of the native API.

    Example:
        >>> task = client.tasks.create(dataset.id, task_type="classification")  # doctest: +SKIP
        >>> client.tasks.leaderboard(task.id)  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore, cache: Cache, datasets: DatasetsAPI) -> None:
        self._core = core
        self._cache = cache
        self._datasets = datasets

    def _task(self, raw: dict[str, Any]) -> Task:
        return Task._of(self, TaskOut.model_validate(raw))

    def _describe(self, task_id: int) -> TaskOut:
        return TaskOut.model_validate(self._core.get_json(f"/api/tasks/{task_id}"))

    def _splits_file(self, task: TaskOut, *, progress: bool = False) -> Path:
        return cached_blob(
            self._core,
            self._cache,
            task.splits_sha256,
            f"/api/tasks/{task.id}/splits",
            params={"format": "parquet"},
            label=f"download splits of task {task.id}",
            progress=progress,
        )

    def _procedure_id(self, task_type: TaskType, procedure: int | str | None, custom: bool) -> int:
        if isinstance(procedure, int):
            return procedure
        choices = self.procedures(task_type)
        if procedure is None:
            if not custom:
                return DEFAULT_PROCEDURES[task_type]
            matches = choices[choices["kind"] == "custom_holdout"]
        else:
            matches = choices[choices["name"].str.lower() == procedure.strip().lower()]
        if matches.empty:
            wanted = "a custom holdout" if procedure is None else repr(procedure)
            raise input_error(
                f"estimation_procedure: no {wanted} procedure for {task_type} tasks "
                f"(see client.tasks.procedures({task_type!r}))"
            )
        return int(matches["id"].iloc[0])

    def create(
        self,
        dataset_id: int,
        task_type: TaskType | str = "supervised_classification",
        *,
        target: str | None = None,
        estimation_procedure: int | str | None = None,
        evaluation_measures: Iterable[str] = (),
        test_row_ids: Iterable[int] | None = None,
        tags: Iterable[str] = (),
    ) -> Task:
        """Create a task; the server makes and stores its splits once.

        Asking again for the same dataset, type, target and procedure returns the existing task
        (with the same splits), so every run on it is comparable.

        Args:
            dataset_id: the (processed) dataset.
            task_type: ``supervised_classification`` (default), ``supervised_regression``,
                ``learning_curve``, ``clustering``, or short ``classification``/``regression``.
            target: the target column (default: the dataset's default target).
            estimation_procedure: a procedure id or name (see :meth:`procedures`); default:
                10-fold cross-validation (stratified for classification), 50 times clustering
                for clustering, or the custom holdout when ``test_row_ids`` are given.
            evaluation_measures: measures to show first (default: the server's per type).
            test_row_ids: custom holdout only: the test rows (0-based).
            tags: tags to attach.

        Returns:
            The new or existing task.

        Raises:
            InvalidInputError: an unknown type or procedure, a target that does not fit the type,
                test rows without a custom procedure (``detail`` names the field).
            NotFoundError: no such dataset or procedure.
            ConflictError: the dataset is not processed yet.
            AuthenticationError: no or an invalid API key.

        Example:
            >>> task = client.tasks.create(61, "classification", target="class")  # doctest: +SKIP
        """
        kind = task_type_of(task_type)
        rows = None if test_row_ids is None else [int(r) for r in test_row_ids]
        body = checked(
            TaskCreate,
            task_type=kind,
            dataset_id=dataset_id,
            target=target,
            estimation_procedure_id=self._procedure_id(
                kind, estimation_procedure, rows is not None
            ),
            evaluation_measures=list(evaluation_measures),
            test_row_ids=rows,
            tags=list(tags),
        )
        payload = body.model_dump(mode="json", exclude_none=True)
        return self._task(self._core.request("POST", "/api/tasks", json=payload).json())

    def get(self, task_id: int) -> Task:
        """A task's description (its dataset and splits load on first use).

        Raises:
            NotFoundError: no such task, or one on another user's private dataset.
            ConnectionFailedError: the server could not be reached.
        """
        return Task._of(self, self._describe(task_id))

    def iter_tasks(
        self,
        *,
        task_type: TaskType | str | None = None,
        dataset_id: int | None = None,
        tag: str | None = None,
        status: Literal["active", "deactivated", "all"] = "active",
        qualities: Mapping[str, QualityBounds] | None = None,
        limit: int = 1000,
        page_size: int = 500,
    ) -> Iterator[TaskOut]:
        """Iterate over matching tasks, fetching pages lazily (filters as :meth:`list`).

        Raises:
            InvalidInputError: a bad filter. ConnectionFailedError: the server is unreachable.
        """
        params: dict[str, Any] = {
            "task_type": task_type_of(task_type) if task_type else None,
            "dataset_id": dataset_id, "tag": tag, "status": status,
            "quality": _quality_params(qualities),
        }  # fmt: skip
        for raw in paginate(self._core, "/api/tasks", params, limit=limit, page_size=page_size):
            yield TaskOut.model_validate(raw)

    def tag(self, task_id: int, tag: str) -> list[str]:
        """Add a tag; returns all the task's tags.

        Raises:
            InvalidInputError: a malformed tag. NotFoundError: no such task.
        """
        return list(
            self._core.request("POST", f"/api/tasks/{task_id}/tags", json={"tag": tag}).json()
        )

    def untag(self, task_id: int, tag: str) -> list[str]:
        """Remove a tag (its tagger, the task's creator or an administrator); returns the rest.

        Raises:
            NotFoundError: no such task or tag. PermissionDeniedError: not allowed.
        """
        path = f"/api/tasks/{task_id}/tags/{quote(tag, safe='')}"
        return list(self._core.request("DELETE", path).json())

    def iter_procedures(
        self, task_type: TaskType | str | None = None
    ) -> list[EstimationProcedureOut]:
        """The estimation procedures as wire models (see :meth:`procedures`).

        Raises:
            InvalidInputError: an unknown task type.
        """
        params = {"task_type": task_type_of(task_type)} if task_type else None
        rows = self._core.get_json("/api/estimation-procedures", params)
        return [EstimationProcedureOut.model_validate(row) for row in rows]

    def procedures(self, task_type: TaskType | str | None = None) -> pd.DataFrame:
        """OpenML's estimation procedures (ids and names as on OpenML).

        Args:
            task_type: only the procedures of this task type.

        Returns:
            One row per procedure: ``id``, ``name``, ``task_type``, ``kind``, ``folds``,
            ``repeats``, ``percentage``, ``stratified``, ``learning_curve``.

        Raises:
            InvalidInputError: an unknown task type.
        """
        items = (p.model_dump() for p in self.iter_procedures(task_type))
        return frame(items, PROCEDURE_COLUMNS)

    def get_leaderboard(
        self,
        task_id: int,
        measure: str | None = None,
        limit: int = 100,
        by: LeaderboardGroup = "flow",
    ) -> Leaderboard:
        """The leaderboard as a wire model (see :meth:`leaderboard`).

        Raises:
            NotFoundError: no such task. InvalidInputError: a measure the task does not have
                (the message lists the valid ones).
        """
        params: dict[str, Any] = {"limit": limit, "by": by}
        if measure is not None:
            params["measure"] = measure
        raw = self._core.get_json(f"/api/tasks/{task_id}/leaderboard", params)
        return Leaderboard.model_validate(raw)

    def recommendations(self, task_id: int, measure: str | None = None) -> Recommendations:
        """Flows and setups that did best on similar tasks, with their evidence, and a greedy
        portfolio of setups that together are best across those tasks.

        Args:
            task_id: the task to recommend for.
            measure: the measure to rank by (default: the task's main measure).

        Returns:
            The wire model: ``similar_tasks`` (with their weights), ranked ``setups`` (each
            with ``evidence``: task, best run, value, normalised score), ``flows`` and
            ``portfolio``.

        Raises:
            NotFoundError: no such task. InvalidInputError: a measure the task does not have.
            ConflictError: the task's dataset has no qualities yet.

        Example:
            >>> client.tasks.recommendations(31).setups[0].flow_name  # doctest: +SKIP
        """
        params = {"measure": measure} if measure is not None else None
        raw = self._core.get_json(f"/api/tasks/{task_id}/recommendations", params)
        return Recommendations.model_validate(raw)

    def leaderboard(
        self,
        task_id: int,
        measure: str | None = None,
        limit: int = 100,
        by: LeaderboardGroup = "flow",
    ) -> pd.DataFrame:
        """The best run of each flow (or of each setup) on a task, best first.

        Args:
            task_id: the task.
            measure: the measure to rank by (default: the task's main measure); its direction
                is the server's, e.g. lower is better for ``root_mean_squared_error``.
            limit: the most entries to show.
            by: ``"flow"`` (the best run of each flow) or ``"setup"`` (of each setup, i.e.
                each flow with particular parameter values).

        Returns:
            One row per flow or setup: ``rank``, ``value``, ``stdev``, ``flow`` (the short
            name), ``flow_name`` (the full name), ``setup_id``, ``run_id``, ``uploader``,
            ``runs_of_flow`` (runs in the group), ``flow_id``; ``attrs`` holds ``measure``,
            ``higher_is_better`` and ``by``.

        Raises:
            NotFoundError: no such task. InvalidInputError: a measure the task does not have
                (the message lists the valid ones).

        Example:
            >>> client.tasks.leaderboard(1, measure="area_under_roc_curve")  # doctest: +SKIP
            >>> client.tasks.leaderboard(1, by="setup")  # doctest: +SKIP
        """
        board = self.get_leaderboard(task_id, measure, limit, by)
        rows = ({**e.model_dump(), "flow": short_flow_name(e.flow_name)} for e in board.entries)
        df = frame(rows, LEADERBOARD_COLUMNS)
        df.attrs.update(measure=board.measure, higher_is_better=board.higher_is_better, by=by)
        return df

    # Defined last: inside the class body ``list`` would shadow the builtin in annotations.
    def list(
        self,
        *,
        task_type: TaskType | str | None = None,
        dataset_id: int | None = None,
        tag: str | None = None,
        status: Literal["active", "deactivated", "all"] = "active",
        qualities: Mapping[str, QualityBounds] | None = None,
        limit: int = 1000,
        page_size: int = 500,
    ) -> pd.DataFrame:
        """Find tasks you may see, as a table.

        Args:
            task_type: only this type (full or short name).
            dataset_id: only tasks on this dataset.
            tag: only tasks with this tag.
            status: ``active`` (default), ``deactivated`` or ``all``.
            qualities: ranges of the dataset's meta-features, e.g.
                ``{"NumberOfClasses": (2, 2)}`` (None leaves a side open).
            limit: the most rows to return (pages are followed until then).
            page_size: rows per request.

        Returns:
            One row per task: ``id``, ``task_type``, ``dataset_id``, ``dataset_name``,
            ``dataset_version``, ``target``, ``estimation_procedure`` (its name),
            ``number_of_rows``, ``status``, ``uploader``, ``tags``.

        Raises:
            InvalidInputError: a bad filter. ConnectionFailedError: the server is unreachable.

        Example:
            >>> client.tasks.list(task_type="classification", tag="benchmark")  # doctest: +SKIP
        """
        tasks = self.iter_tasks(
            task_type=task_type, dataset_id=dataset_id, tag=tag, status=status,
            qualities=qualities, limit=limit, page_size=page_size,
        )  # fmt: skip
        return frame((_summary_row(task) for task in tasks), TASK_COLUMNS)
