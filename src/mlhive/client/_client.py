"""The :class:`Client`: connection settings, the HTTP core, and one attribute per resource."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, overload

import httpx

from mlhive.client._http import HttpCore
from mlhive.client.activity import ActivityAPI, NotificationsAPI, WebhooksAPI
from mlhive.client.automl import SLACK, AutoMLAPI, parse_size
from mlhive.client.cache import Cache
from mlhive.client.calls import CallsAPI
from mlhive.client.config import ClientConfig, resolve
from mlhive.client.datasets import DatasetsAPI
from mlhive.client.deployments import DeploymentsAPI
from mlhive.client.discussions import DiscussionsAPI
from mlhive.client.evaluations import EvaluationsAPI
from mlhive.client.flows import FlowsAPI, SetupsAPI
from mlhive.client.jobs import JobsAPI
from mlhive.client.keys import KeysAPI
from mlhive.client.models import ModelsAPI
from mlhive.client.people import PeopleAPI
from mlhive.client.profiles import ProfilesAPI
from mlhive.client.run import LocalRun, Run
from mlhive.client.runs import RunsAPI
from mlhive.client.studies import StudiesAPI, SuitesAPI
from mlhive.client.task import Task
from mlhive.client.tasks import TasksAPI
from mlhive.client.teams import TeamsAPI
from mlhive.wire.accounts import MeOut
from mlhive.wire.activity import WatchOut
from mlhive.wire.automl import AutoMLCreate, AutoMLOut
from mlhive.wire.common import Health


class Client:
    """A connection to an mlhive server.

    Settings are resolved when the client is built: explicit arguments, then the environment
    (``MLHIVE_URL``, ``MLHIVE_API_KEY``, ``MLHIVE_CACHE_DIR``), then the config file
    (``<user config dir>/mlhive/config.toml`` with ``url`` and ``api_key``), then defaults
    (``http://127.0.0.1:8000``, anonymous, the user cache folder).

    Args:
        url: the server's base URL.
        api_key: your API key (reading public data needs none).
        http_client: a ready httpx client to send requests with (e.g. Starlette's
            ``TestClient``); requests then go to paths relative to its ``base_url`` and ``url``
            and ``timeout`` are not used. The caller keeps ownership of it.
        cache_dir: the folder of the local data cache.
        timeout: seconds before a request without progress fails.
        retries: how often an idempotent request is retried on transport errors and 502-504.

    Attributes:
        datasets: dataset operations (:class:`~mlhive.client.datasets.DatasetsAPI`).
        jobs: background jobs (:class:`~mlhive.client.jobs.JobsAPI`).
        tasks: tasks, estimation procedures, leaderboards (:class:`~mlhive.client.tasks.TasksAPI`).
        flows: pipeline descriptions (:class:`~mlhive.client.flows.FlowsAPI`).
        setups: a flow's parameter values (:class:`~mlhive.client.flows.SetupsAPI`).
        runs: runs (:class:`~mlhive.client.runs.RunsAPI`); :meth:`run` makes one.
        evaluations: the server's scores (:class:`~mlhive.client.evaluations.EvaluationsAPI`).
        suites: collections of tasks (:class:`~mlhive.client.studies.SuitesAPI`).
        studies: collections of runs (:class:`~mlhive.client.studies.StudiesAPI`).
        models: the model forge (:class:`~mlhive.client.models.ModelsAPI`).
        deployments: served models (:class:`~mlhive.client.deployments.DeploymentsAPI`).
        keys: your API keys (:class:`~mlhive.client.keys.KeysAPI`).
        teams: teams, their members and invitations (:class:`~mlhive.client.teams.TeamsAPI`).
        profiles: people's profiles (:class:`~mlhive.client.profiles.ProfilesAPI`).
        people: suggested collaborators and helpers (:class:`~mlhive.client.people.PeopleAPI`).
        calls: open calls and collaborators (:class:`~mlhive.client.calls.CallsAPI`).
        activity: feeds and watches (:class:`~mlhive.client.activity.ActivityAPI`);
            :meth:`watch` is a shortcut.
        notifications: your inbox (:class:`~mlhive.client.activity.NotificationsAPI`).
        webhooks: your signed webhooks (:class:`~mlhive.client.activity.WebhooksAPI`).
        config: the resolved settings.

    Raises:
        ValueError: the config file is not valid TOML.

    Example:
        >>> import mlhive
        >>> with mlhive.Client("http://127.0.0.1:8000", api_key="...") as client:
        ...     ds = client.datasets.get(1)  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        http_client: httpx.Client | None = None,
        cache_dir: Path | None = None,
        timeout: float = 60,
        retries: int = 2,
    ) -> None:
        self.config: ClientConfig = resolve(url, api_key, cache_dir)
        owns = http_client is None
        if http_client is None:
            http_client = httpx.Client(
                base_url=self.config.url, timeout=timeout, follow_redirects=True
            )
        self._core = HttpCore(http_client, self.config.api_key, retries=retries, owns_client=owns)
        self.cache = Cache(self.config.cache_dir, self._core.base_url)
        self.datasets = DatasetsAPI(self._core, self.cache)
        self.jobs = JobsAPI(self._core)
        self._automl = AutoMLAPI(self._core)
        self.keys = KeysAPI(self._core)
        self.teams = TeamsAPI(self._core)
        self.profiles = ProfilesAPI(self._core)
        self.people = PeopleAPI(self._core)
        self.calls = CallsAPI(self._core)
        self.tasks = TasksAPI(self._core, self.cache, self.datasets)
        self.setups = SetupsAPI(self._core)
        self.flows = FlowsAPI(self._core, self.setups)
        self.runs = RunsAPI(self._core, self.cache, self.tasks, self.flows, self.setups)
        self.evaluations = EvaluationsAPI(self._core)
        self.suites = SuitesAPI(self._core)
        self.studies = StudiesAPI(self._core)
        self.models = ModelsAPI(self._core)
        self.deployments = DeploymentsAPI(self._core)
        self.discussions = DiscussionsAPI(self._core)
        self.activity = ActivityAPI(self._core)
        self.notifications = NotificationsAPI(self._core)
        self.webhooks = WebhooksAPI(self._core)

    @property
    def url(self) -> str:
        """The base URL requests go to."""
        return self._core.base_url

    def __repr__(self) -> str:
        user = "anonymous" if self.config.api_key is None else "with api key"
        return f"Client({self.url!r}, {user})"

    def watch(self, target: str) -> WatchOut:
        """Watch ``target`` (``dataset:12``, ``model:alice/net``, ``person:bob``,
        ``team:lab``): its events reach :attr:`notifications`. See
        :meth:`ActivityAPI.watch <mlhive.client.activity.ActivityAPI.watch>`."""
        return self.activity.watch(target)

    def close(self) -> None:
        """Close the connection pool (a client passed in as ``http_client`` is left open)."""
        self._core.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def health(self) -> Health:
        """The server's status, version, database and storage.

        Raises:
            ConnectionFailedError: the server could not be reached.
            ServerError: the server is up but unhealthy.

        Example:
            >>> client.health().version  # doctest: +SKIP
            '0.1.0'
        """
        return Health.model_validate(self._core.get_json("/api/health"))

    def whoami(self) -> MeOut:
        """The user your API key belongs to, and the key's scope (``read`` or ``write``).

        Raises:
            AuthenticationError: no API key, or an invalid or revoked one.
            ConnectionFailedError: the server could not be reached.

        Example:
            >>> client.whoami().name  # doctest: +SKIP
            'alice'
        """
        return MeOut.model_validate(self._core.get_json("/api/users/me"))

    def automl(
        self,
        task: int | Task,
        time_budget: float | None = 60.0,
        memory_limit: int | str | None = None,
        metric: str | None = None,
        *,
        n_trials: int | None = None,
        seed: int = 0,
        wait: bool = True,
        on_progress: Callable[[AutoMLOut], None] | None = None,
    ) -> AutoMLOut:
        """Run an AutoML search on the server and (by default) wait for its result.

        The server searches scikit-learn pipelines with Optuna, each trial in a process of its
        own that is killed at the deadline and capped at ``memory_limit``; every complete
        trial becomes a run on the task, the best are combined by ensemble selection, and
        the ensemble is pushed to the forge (``model_repo``, ``model_commit``).

        Args:
            task: the task (or its id).
            time_budget: wall-clock seconds for the whole search; None: no time limit (then
                give ``n_trials``).
            memory_limit: per trial, bytes or a size such as ``"4GB"``.
            metric: the measure to optimise (default: the task type's main measure).
            n_trials: at most this many trials; with a seed (and no time limit reached), the
                same trials and final score on every run.
            seed: seeds the optimiser, the subsamples and the models.
            wait: False returns the queued search at once (poll ``client.automl_status``).
            on_progress: called with the search after every poll while waiting.

        Returns:
            The search: trials (time, peak memory, failures), best trial, ensemble, study.

        Raises:
            ValueError: a memory limit that is not a size.
            ValidationError, NotFoundError: refused by the server (unknown metric, task).
            JobFailedError: the search failed.
            WaitTimeoutError: no result long after the budget.

        Example:
            >>> result = client.automl(31, time_budget=60, memory_limit="4GB")  # doctest: +SKIP
            >>> result.final_score, result.model_repo  # doctest: +SKIP
            (0.87, 'alice/automl-task-31')
        """
        body = AutoMLCreate(
            task_id=task if isinstance(task, int) else task.id,
            time_budget=time_budget,
            memory_limit=None if memory_limit is None else parse_size(memory_limit),
            metric=metric,
            n_trials=n_trials,
            seed=seed,
        )
        search = self._automl.submit(body)
        if not wait:
            return search
        timeout = (time_budget or 24 * 3600.0) + SLACK
        return self._automl.wait(search.id, timeout, on_progress)

    def automl_status(self, search_id: int) -> AutoMLOut:
        """An AutoML search of yours, with its trials so far.

        Raises:
            NotFoundError: no such search of yours.
        """
        return self._automl.get(search_id)

    @overload
    def run(
        self,
        estimator: Any,
        task: int | Task,
        *,
        n_jobs: int = ...,
        tags: Iterable[str] = ...,
        upload: Literal[True] = ...,
        avoid_duplicate: bool = ...,
        progress: bool | None = ...,
    ) -> Run: ...

    @overload
    def run(
        self,
        estimator: Any,
        task: int | Task,
        *,
        n_jobs: int = ...,
        tags: Iterable[str] = ...,
        upload: bool,
        avoid_duplicate: bool = ...,
        progress: bool | None = ...,
    ) -> Run | LocalRun: ...

    def run(
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
        """Run a scikit-learn estimator on a task's fixed splits and upload the run.

        The estimator is described as a flow (published unless it exists), a clone of it is
        fitted on every training set (folds in parallel) and predicts the test rows; the
        predictions, the parameter values and the fold timings are uploaded as a run, which
        the server then evaluates in the background (see :meth:`Run.wait`).

        Args:
            estimator: an unfitted scikit-learn estimator or pipeline.
            task: the task or its id.
            n_jobs: parallel fold workers (-1: all cores, 1: one after another).
            tags: tags for the run.
            upload: False keeps the run local: a :class:`~mlhive.client.run.LocalRun` whose
                ``publish()`` uploads it later.
            avoid_duplicate: if a run with the same flow and parameter values exists on the
                task, return it instead of running again.
            progress: draw a bar of the folds done on stderr (default: when stderr is a
                terminal).

        Returns:
            The uploaded (``pending``) or existing run; a ``LocalRun`` with ``upload=False``.

        Raises:
            RunFailedError: the estimator raised on a fold; the failure was uploaded as the
                failed run ``run_id`` (with ``upload=False``: the ``FoldError`` itself).
            FlowConversionError: the estimator cannot be described as a flow.
            InvalidInputError: the server rejected the predictions.
            NotFoundError: no such task. AuthenticationError: no or an invalid API key.
            ImportError: scikit-learn is not installed (``pip install mlhive[sklearn]``).

        Example:
            >>> from sklearn.ensemble import RandomForestClassifier
            >>> run = client.run(RandomForestClassifier(), task=1)  # doctest: +SKIP
            >>> run.wait()  # doctest: +SKIP
        """
        return self.runs.run_estimator(
            estimator,
            task,
            n_jobs=n_jobs,
            tags=tags,
            upload=upload,
            avoid_duplicate=avoid_duplicate,
            progress=progress,
        )
