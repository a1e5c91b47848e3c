"""The httpx-based mlhive client: :class:`Client` and its resource APIs.

The names below are imported on first use (PEP 562), so that importing a light module of this
package (``mlhive.client.config``, say, from the command line) does not load pandas and pyarrow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlhive.client._client import Client
    from mlhive.client.activity import ActivityAPI, NotificationsAPI, WebhooksAPI
    from mlhive.client.automl import AutoMLAPI
    from mlhive.client.calls import CallsAPI
    from mlhive.client.config import ClientConfig
    from mlhive.client.dataset import Dataset
    from mlhive.client.datasets import DatasetsAPI
    from mlhive.client.deployments import DeploymentsAPI
    from mlhive.client.discussions import DiscussionsAPI
    from mlhive.client.evaluations import EvaluationsAPI
    from mlhive.client.flows import Flow, FlowsAPI, SetupsAPI
    from mlhive.client.jobs import JobsAPI
    from mlhive.client.keys import KeysAPI
    from mlhive.client.models import ModelsAPI
    from mlhive.client.people import PeopleAPI
    from mlhive.client.profiles import ProfilesAPI
    from mlhive.client.run import LocalRun, Run, RunFailedError
    from mlhive.client.runs import RunsAPI
    from mlhive.client.studies import StudiesAPI, SuitesAPI
    from mlhive.client.task import Task
    from mlhive.client.tasks import TasksAPI
    from mlhive.client.teams import TeamsAPI

_MODULES = {
    "ActivityAPI": "activity",
    "NotificationsAPI": "activity",
    "WebhooksAPI": "activity",
    "AutoMLAPI": "automl",
    "CallsAPI": "calls",
    "Client": "_client",
    "ClientConfig": "config",
    "Dataset": "dataset",
    "DatasetsAPI": "datasets",
    "DeploymentsAPI": "deployments",
    "DiscussionsAPI": "discussions",
    "EvaluationsAPI": "evaluations",
    "Flow": "flows",
    "FlowsAPI": "flows",
    "SetupsAPI": "flows",
    "JobsAPI": "jobs",
    "KeysAPI": "keys",
    "ModelsAPI": "models",
    "PeopleAPI": "people",
    "ProfilesAPI": "profiles",
    "LocalRun": "run",
    "Run": "run",
    "RunFailedError": "run",
    "RunsAPI": "runs",
    "StudiesAPI": "studies",
    "SuitesAPI": "studies",
    "Task": "task",
    "TasksAPI": "tasks",
    "TeamsAPI": "teams",
}

__all__ = [
    "ActivityAPI",
    "AutoMLAPI",
    "CallsAPI",
    "Client",
    "ClientConfig",
    "Dataset",
    "DatasetsAPI",
    "DeploymentsAPI",
    "DiscussionsAPI",
    "EvaluationsAPI",
    "Flow",
    "FlowsAPI",
    "JobsAPI",
    "KeysAPI",
    "LocalRun",
    "ModelsAPI",
    "NotificationsAPI",
    "PeopleAPI",
    "ProfilesAPI",
    "Run",
    "RunFailedError",
    "RunsAPI",
    "SetupsAPI",
    "StudiesAPI",
    "SuitesAPI",
    "Task",
    "TasksAPI",
    "TeamsAPI",
    "WebhooksAPI",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'mlhive.client' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"mlhive.client.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})
