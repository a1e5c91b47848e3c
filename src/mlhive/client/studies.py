"""``client.suites`` (collections of tasks) and ``client.studies`` (collections of runs)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Literal
from urllib.parse import quote

import pandas as pd

from mlhive.client import automl as automl_client
from mlhive.client._fetch import checked, frame, paginate
from mlhive.client._http import HttpCore
from mlhive.client.automl import parse_size
from mlhive.errors import JobFailedError, WaitTimeoutError
from mlhive.wire.studies import CollectionCreate, CollectionKind, CollectionOut, CollectionStatus
from mlhive.wire.suite_runs import SuiteRunCreate, SuiteRunOut, SuiteRunPage

COLLECTION_COLUMNS = list(CollectionOut.model_fields)
Visibility = Literal["public", "private"]


class _CollectionsAPI:
    """What suites and studies share: find, attach, detach, status, delete."""

    kind: CollectionKind
    prefix: str
    page_size = 1000  # the server's largest page

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def _path(self, ref: int | str, action: str = "") -> str:
        path = f"{self.prefix}/{quote(str(ref), safe='')}"
        return f"{path}/{action}" if action else path

    def _collection(self, raw: object) -> CollectionOut:
        return CollectionOut.model_validate(raw)

    def _create(self, body: CollectionCreate) -> CollectionOut:
        payload = body.model_dump(mode="json", exclude_none=True)
        return self._collection(self._core.request("POST", self.prefix, json=payload).json())

    def get(self, ref: int | str) -> CollectionOut:
        """One collection by id or alias.

        Raises:
            NotFoundError: none with that id or alias (or a private one of another user).
        """
        return self._collection(self._core.get_json(self._path(ref)))

    def attach(self, ref: int | str, ids: Iterable[int]) -> CollectionOut:
        """Add members (task ids to a suite, run ids to a study); returns the collection.

        Raises:
            NotFoundError: no such collection or member. PermissionDeniedError: not yours.
            InvalidInputError: no ids given.
        """
        body = {"ids": [int(i) for i in ids]}
        return self._collection(
            self._core.request("POST", self._path(ref, "attach"), json=body).json()
        )

    def detach(self, ref: int | str, ids: Iterable[int]) -> CollectionOut:
        """Remove members; returns the collection.

        Raises:
            NotFoundError: no such collection. PermissionDeniedError: not yours.
        """
        body = {"ids": [int(i) for i in ids]}
        return self._collection(
            self._core.request("POST", self._path(ref, "detach"), json=body).json()
        )

    def set_status(self, ref: int | str, status: CollectionStatus) -> CollectionOut:
        """Change the status (``in_preparation``, ``active``, ``deactivated``).

        Raises:
            ConflictError: a transition that is not allowed. PermissionDeniedError: not yours.
        """
        path = self._path(ref, "status")
        return self._collection(self._core.request("POST", path, json={"status": status}).json())

    def delete(self, ref: int | str) -> None:
        """Delete the collection (its members stay).

        Raises:
            NotFoundError: no such collection. PermissionDeniedError: not yours.
        """
        self._core.request("DELETE", self._path(ref))

    # Defined last: inside the class body ``list`` would shadow the builtin in annotations.
    def list(self, status: CollectionStatus | None = None, *, limit: int = 10_000) -> pd.DataFrame:
        """The collections you may see, as a table (fetched a page at a time).

        Args:
            status: only collections with this status.
            limit: the most collections to return (the oldest first).

        Returns:
            One row per collection: ``id``, ``kind``, ``name``, ``alias``, ``description``,
            ``status``, ``visibility``, ``creator``, ``created_at``, ``task_ids``, ``run_ids``.
        """
        rows = paginate(
            self._core, self.prefix, {"status": status}, limit=limit, page_size=self.page_size
        )
        items = (self._collection(row).model_dump() for row in rows)
        return frame(items, COLLECTION_COLUMNS)


class SuitesAPI(_CollectionsAPI):
    """``client.suites``: benchmark suites, named collections of tasks.

    Example:
        >>> suite = client.suites.create("my-benchmark", alias="mb", task_ids=[1, 2])
        ... # doctest: +SKIP
        >>> client.suites.get("mb").task_ids  # doctest: +SKIP
        [1, 2]
    """

    kind: CollectionKind = "suite"
    prefix = "/api/suites"
    poll_interval = 1.0

    def create(
        self,
        name: str,
        alias: str | None = None,
        description: str = "",
        task_ids: Iterable[int] = (),
        visibility: Visibility = "public",
    ) -> CollectionOut:
        """Create a suite.

        Args:
            name: the suite's name.
            alias: a unique short name to refer to it by.
            description: free text.
            task_ids: its tasks.
            visibility: ``public`` or ``private``.

        Raises:
            InvalidInputError: a bad name or alias. ConflictError: the alias is taken.
            NotFoundError: an unknown task.
        """
        body = checked(
            CollectionCreate, name=name, alias=alias, description=description,
            task_ids=[int(i) for i in task_ids], visibility=visibility,
        )  # fmt: skip
        return self._create(body)

    def run(
        self,
        ref: int | str,
        flow_id: int | None = None,
        *,
        setup_id: int | None = None,
        automl: bool = False,
        time_budget: float | None = None,
        n_trials: int | None = None,
        seed: int = 0,
        metric: str | None = None,
        memory_limit: int | str | None = None,
        wait: bool = True,
        timeout: float = 24 * 3600.0,
        on_progress: Callable[[SuiteRunOut], None] | None = None,
    ) -> SuiteRunOut:
        """Run a flow, or AutoML, on every task of the suite, on the server, as one job.

        Each task's result becomes a run on it (scored by the server) and the runs are
        collected in a study (``study_id`` once done); one failing task does not stop the others.

        Args:
            ref: the suite's id or alias.
            flow_id: a scikit-learn flow, refitted on each task's folds.
            setup_id: a setup of that flow whose parameter values to use.
            automl: run an AutoML search on each task instead (``time_budget`` seconds and/or
                ``n_trials`` trials per task, ``seed``, ``metric``).
            memory_limit: bytes (or ``4GB``, ``512MiB``) each task's process may use.
            wait: False returns the queued run at once (poll :meth:`run_status`).
            timeout: seconds to wait for it.
            on_progress: called with the run after every poll (its ``done``/``failed``/``total``).

        Raises:
            NotFoundError: no such suite (or a private one of another user), flow or setup.
            InvalidInputError: a suite without tasks you may see, a flow the server cannot
                run, AutoML with neither a budget nor a number of trials.
            JobFailedError: the whole run failed. WaitTimeoutError: not done in ``timeout``.

        Example:
            >>> out = client.suites.run("mb", automl=True, time_budget=30)  # doctest: +SKIP
            >>> (out.done, out.failed, out.total, out.study_id)  # doctest: +SKIP
            (2, 0, 2, 17)
        """
        plan = (
            {"time_budget": time_budget, "n_trials": n_trials, "seed": seed, "metric": metric}
            if automl
            else None
        )
        body = checked(
            SuiteRunCreate, flow_id=flow_id, setup_id=setup_id, automl=plan,
            memory_limit=None if memory_limit is None else parse_size(memory_limit),
        )  # fmt: skip
        payload = body.model_dump(mode="json", exclude_none=True)
        answer = self._core.request("POST", self._path(ref, "runs"), json=payload)
        started = SuiteRunOut.model_validate(answer.json())
        if not wait:
            return started
        deadline = time.monotonic() + timeout
        while True:
            current = self.run_status(ref, started.id)
            if on_progress is not None:
                on_progress(current)
            if current.state == "failed":
                raise JobFailedError(f"suite run {current.id} failed: {current.error}")
            if current.state == "done":
                return current
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(
                    f"suite run {current.id} still {current.state} after {timeout:g} s "
                    f"({current.done + current.failed} of {current.total} tasks finished)"
                )
            automl_client._pause(self.poll_interval)

    def run_status(self, ref: int | str, run_id: int) -> SuiteRunOut:
        """A run of yours on the suite: each task's state, run and score, and the counts.

        Raises:
            NotFoundError: no such suite, or no such run of yours on it.
        """
        path = self._path(ref, f"runs/{int(run_id)}")
        return SuiteRunOut.model_validate(self._core.get_json(path))

    def runs(self, ref: int | str) -> list[SuiteRunOut]:
        """Your runs of the suite, newest first (the latest 100)."""
        page = SuiteRunPage.model_validate(self._core.get_json(self._path(ref, "runs")))
        return page.items


class StudiesAPI(_CollectionsAPI):
    """``client.studies``: studies, named collections of runs.

    Example:
        >>> study = client.studies.create("tuning", run_ids=[10, 11])  # doctest: +SKIP
    """

    kind: CollectionKind = "study"
    prefix = "/api/studies"

    def create(
        self,
        name: str,
        alias: str | None = None,
        description: str = "",
        run_ids: Iterable[int] = (),
        visibility: Visibility = "public",
    ) -> CollectionOut:
        """Create a study.

        Args:
            name: the study's name.
            alias: a unique short name to refer to it by.
            description: free text.
            run_ids: its runs.
            visibility: ``public`` or ``private``.

        Raises:
            InvalidInputError: a bad name or alias. ConflictError: the alias is taken.
            NotFoundError: an unknown run.
        """
        body = checked(
            CollectionCreate, name=name, alias=alias, description=description,
            run_ids=[int(i) for i in run_ids], visibility=visibility,
        )  # fmt: skip
        return self._create(body)
