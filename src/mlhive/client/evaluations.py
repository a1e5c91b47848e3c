"""``client.evaluations``: the scores the server computed for runs, filtered and sorted."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

import pandas as pd

from mlhive.client._fetch import frame, ids, paginate
from mlhive.client._http import HttpCore
from mlhive.wire.runs import EvaluationOut

EVALUATION_COLUMNS = [
    "run_id", "task_id", "flow_id", "flow_name", "setup_id", "dataset_id", "uploader",
    "measure", "value", "stdev", "upload_time",
]  # fmt: skip
IdFilter = int | Iterable[int] | None


class EvaluationsAPI:
    """``client.evaluations``: server-computed evaluations of runs.

    Example:
        >>> client.evaluations.list("predictive_accuracy", task=1, sort="desc", limit=10)
        ... # doctest: +SKIP
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def iter_evaluations(
        self,
        measure: str | None = None,
        *,
        task: IdFilter = None,
        flow: IdFilter = None,
        setup: IdFilter = None,
        run: IdFilter = None,
        uploader: str | None = None,
        study: int | None = None,
        sort: Literal["asc", "desc"] | None = None,
        per_fold: bool = False,
        limit: int = 10_000,
        page_size: int = 1000,
    ) -> Iterator[EvaluationOut]:
        """Iterate over matching evaluations, fetching pages lazily (see :meth:`list`).

        Raises:
            InvalidInputError: a bad filter. ConnectionFailedError: the server is unreachable.
        """
        params: dict[str, Any] = {
            "measure": measure, "task": ids(task), "flow": ids(flow), "setup": ids(setup),
            "run": ids(run), "uploader": uploader, "study": study, "sort": sort,
            "per_fold": "true" if per_fold else None,
        }  # fmt: skip
        pages = paginate(self._core, "/api/evaluations", params, limit=limit, page_size=page_size)
        for raw in pages:
            yield EvaluationOut.model_validate(raw)

    # Defined last: inside the class body ``list`` would shadow the builtin in annotations.
    def list(
        self,
        measure: str | None = None,
        *,
        task: IdFilter = None,
        flow: IdFilter = None,
        setup: IdFilter = None,
        run: IdFilter = None,
        uploader: str | None = None,
        study: int | None = None,
        sort: Literal["asc", "desc"] | None = None,
        per_fold: bool = False,
        limit: int = 10_000,
        page_size: int = 1000,
    ) -> pd.DataFrame:
        """Find evaluations, as a table.

        Args:
            measure: only this measure (e.g. ``predictive_accuracy``).
            task, flow, setup, run: one id or several (any of them matches).
            uploader: the runs' uploader's user name.
            study: only runs in this study.
            sort: ``desc`` or ``asc`` by value (needs ``measure``); None: by run.
            per_fold: add a ``per_fold`` column (``values[repeat][fold]``).
            limit: the most rows to return (pages are followed until then).
            page_size: rows per request.

        Returns:
            One row per run and measure: ``run_id``, ``task_id``, ``flow_id``, ``flow_name``,
            ``setup_id``, ``dataset_id``, ``uploader``, ``measure``, ``value``, ``stdev``,
            ``upload_time`` (and ``per_fold``).

        Raises:
            InvalidInputError: a bad filter. ConnectionFailedError: the server is unreachable.

        Example:
            >>> best = client.evaluations.list("predictive_accuracy", task=1, sort="desc")
            ... # doctest: +SKIP
        """
        items = self.iter_evaluations(
            measure, task=task, flow=flow, setup=setup, run=run, uploader=uploader, study=study,
            sort=sort, per_fold=per_fold, limit=limit, page_size=page_size,
        )  # fmt: skip
        columns = [*EVALUATION_COLUMNS, "per_fold"] if per_fold else EVALUATION_COLUMNS
        return frame((item.model_dump() for item in items), columns)
