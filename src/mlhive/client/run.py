"""Run objects: :class:`Run` (uploaded, evaluated by the server) and :class:`LocalRun` (not yet
uploaded), and :class:`RunFailedError` for a run whose estimator failed on a fold."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, Field, PrivateAttr

from mlhive.client._entity import Entity
from mlhive.errors import JobFailedError, MlhiveError, WaitTimeoutError
from mlhive.wire.flows import FlowCreate
from mlhive.wire.reproductions import ReproductionCounts
from mlhive.wire.runs import EvaluationOut, FoldTiming, RunBase, RunOut

if TYPE_CHECKING:
    from mlhive.client.runs import RunsAPI
    from mlhive.client.task import Task

EVALUATION_COLUMNS = ["measure", "value", "stdev", "per_fold"]


class RunFailedError(MlhiveError, RuntimeError):
    """The estimator raised on a fold, and the failure was uploaded as run ``run_id``.

    ``repeat``, ``fold`` and ``sample`` name the fold; the :class:`mlhive.sklearn.FoldError`
    is chained as ``__cause__`` (and the estimator's own exception as its cause).
    """

    def __init__(self, message: str, repeat: int, fold: int, sample: int, run_id: int) -> None:
        super().__init__(message)
        self.message = message
        self.repeat = repeat
        self.fold = fold
        self.sample = sample
        self.run_id = run_id

    def __reduce__(self) -> tuple[type[RunFailedError], tuple[str, int, int, int, int]]:
        return (type(self), (self.message, self.repeat, self.fold, self.sample, self.run_id))


def _evaluation_frame(evaluations: list[EvaluationOut]) -> pd.DataFrame:
    rows = [
        {"measure": e.measure, "value": e.value, "stdev": e.stdev, "per_fold": e.per_fold}
        for e in evaluations
    ]
    if not rows:
        return pd.DataFrame(columns=EVALUATION_COLUMNS)
    return pd.DataFrame(rows, columns=EVALUATION_COLUMNS)


class Run(RunBase, Entity):
    """A run on an mlhive server: a setup of a flow applied to a task, with its predictions.

    Its attributes are the fields of :class:`~mlhive.wire.runs.RunOut` (``id``, ``task_id``,
    ``flow_id``, ``setup_id``, ``state``, ``parameter_settings``, ``fold_timings`` ...), except
    that :attr:`evaluations` is a table. ``state`` is ``pending`` until the server has evaluated
    the predictions, then ``evaluated`` (or ``error``); a run uploaded as failed is ``failed``.

    Example:
        >>> run = client.run(model, task)  # doctest: +SKIP
        >>> run.wait().set_index("measure").loc["predictive_accuracy", "value"]  # doctest: +SKIP
        0.96
    """

    # RunOut sends job_id after the evaluations: in RunBase it would reorder RunOut's JSON.
    job_id: int | None = None
    reproductions: ReproductionCounts = Field(default_factory=ReproductionCounts)
    _api: RunsAPI = PrivateAttr()
    _evaluations: list[EvaluationOut] = PrivateAttr(default_factory=list)

    @classmethod
    def _of(cls, api: Any, meta: BaseModel) -> Self:
        run = super()._of(api, meta)
        run._evaluations = RunOut.model_validate(meta, from_attributes=True).evaluations
        return run

    def __repr__(self) -> str:
        return (
            f"Run(id={self.id}, task_id={self.task_id}, flow={self.flow_name!r}, "
            f"setup_id={self.setup_id}, state={self.state!r})"
        )

    @property
    def meta(self) -> RunOut:
        """The description as its wire model, evaluations included."""
        return RunOut.model_validate({**dict(self), "evaluations": self._evaluations})

    def to_dict(self) -> dict[str, Any]:
        """The description as JSON-compatible values (dates as ISO text), evaluations included."""
        return self.meta.model_dump(mode="json")

    @property
    def evaluations(self) -> pd.DataFrame:
        """The server's evaluations as last fetched: ``measure``, ``value``, ``stdev`` and
        ``per_fold`` (``values[repeat][fold]``); empty while the run is pending."""
        return _evaluation_frame(self._evaluations)

    @property
    def scores(self) -> dict[str, float | None]:
        """The server's evaluations as ``{measure: value}`` (as last fetched)."""
        return {e.measure: e.value for e in self._evaluations}

    def refresh(self) -> Run:
        """Fetch the run again (state and evaluations); returns this object, updated.

        Raises:
            NotFoundError: the run was deleted. ConnectionFailedError: the server is unreachable.
        """
        meta = self._api._describe(self.id)
        self._replace(meta)
        self._evaluations = meta.evaluations
        return self

    def wait(self, timeout: float = 600) -> pd.DataFrame:
        """Wait until the server has evaluated the run; returns :attr:`evaluations`.

        The server holds each request until the evaluation ends (a long poll), so the scores
        arrive as soon as they exist.

        Args:
            timeout: seconds to wait at most.

        Returns:
            The evaluations table.

        Raises:
            JobFailedError: the server could not evaluate the predictions, or the run was
                uploaded as failed (it has no predictions); the message says why.
            WaitTimeoutError: still pending after ``timeout`` seconds.
            ConnectionFailedError: the server is unreachable.
        """
        deadline = time.monotonic() + timeout
        while True:
            if self.state == "evaluated":
                return self.evaluations
            if self.state == "error":
                raise JobFailedError(
                    f"the server could not evaluate run {self.id}: {self.evaluation_error}"
                )
            if self.state == "failed":
                raise JobFailedError(
                    f"run {self.id} failed and has no evaluations: {self.error_message}"
                )
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeoutError(f"run {self.id} still {self.state} after {timeout:g} s")
            # A long poll: the server answers as soon as the evaluation ends.
            meta = self._api._describe(self.id, wait=min(left, self._api.long_poll_seconds))
            self._replace(meta)
            self._evaluations = meta.evaluations

    def predictions(self) -> pd.DataFrame:
        """The uploaded predictions (downloaded once, then read from the local cache).

        Returns:
            One row per predicted test row: ``repeat``, ``fold``, ``sample``, ``row_id``,
            ``prediction`` and, for classification, ``confidence.<label>`` per class.

        Raises:
            ValueError: the run failed and has no predictions.
            ConnectionFailedError, CorruptDownloadError: as for dataset downloads.
        """
        if self.predictions_sha256 is None:
            raise ValueError(f"run {self.id} has no predictions: {self.error_message}")
        path = self._api._predictions_file(self.id, self.predictions_sha256)
        df: pd.DataFrame = pq.read_table(path).to_pandas()
        return df

    def tag(self, tag: str) -> list[str]:
        """Add a tag to this run; returns all its tags (see :meth:`RunsAPI.tag`)."""
        self.tags = self._api.tag(self.id, tag)
        return list(self.tags)


@dataclass
class LocalRun:
    """An estimator's results on a task's splits that were not uploaded (``upload=False``).

    Attributes:
        task: the task.
        estimator: the (unfitted) estimator that was run; each fold fitted a clone.
        flow: the estimator's flow description.
        predictions_table: the predictions (None when a fold failed).
        fold_timings: fit and predict seconds per fold.
        error: the failure, when a fold raised.
        tags: tags to attach on upload.
    """

    task: Task
    estimator: Any
    flow: FlowCreate
    predictions_table: pa.Table | None
    fold_timings: list[FoldTiming]
    error: Exception | None = None
    tags: list[str] = field(default_factory=list)
    _api: RunsAPI | None = field(default=None, repr=False)

    def predictions(self) -> pd.DataFrame:
        """The predictions as a DataFrame (same columns as :meth:`Run.predictions`).

        Raises:
            ValueError: a fold failed, so there are no predictions.
        """
        if self.predictions_table is None:
            raise ValueError(f"the run failed and has no predictions: {self.error}")
        df: pd.DataFrame = self.predictions_table.to_pandas()
        return df

    def publish(self) -> Run:
        """Upload the flow (if new) and this run; the server then evaluates it.

        Returns:
            The uploaded run (``state`` ``pending``, or ``failed`` when a fold failed).

        Raises:
            InvalidInputError: the server rejected the predictions (``detail`` says why).
            AuthenticationError: no or an invalid API key.
            ValueError: the run was not made by ``client.run``, so it has no client to use.
        """
        if self._api is None:
            raise ValueError(
                "this LocalRun has no client to publish with: make it with "
                "client.run(..., upload=False)"
            )
        return self._api._publish(self)
