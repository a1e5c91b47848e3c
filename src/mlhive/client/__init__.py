"""The httpx-based mlhive client: :class:`Client` and its resource APIs."""

from __future__ import annotations

from mlhive.client._client import Client
from mlhive.client.config import ClientConfig
from mlhive.client.dataset import Dataset
from mlhive.client.datasets import DatasetsAPI
from mlhive.client.evaluations import EvaluationsAPI
from mlhive.client.flows import Flow, FlowsAPI, SetupsAPI
from mlhive.client.jobs import JobsAPI
from mlhive.client.models import ModelsAPI
from mlhive.client.run import LocalRun, Run, RunFailedError
from mlhive.client.runs import RunsAPI
from mlhive.client.studies import StudiesAPI, SuitesAPI
from mlhive.client.task import Task
from mlhive.client.tasks import TasksAPI

__all__ = [
    "Client",
    "ClientConfig",
    "Dataset",
    "DatasetsAPI",
    "EvaluationsAPI",
    "Flow",
    "FlowsAPI",
    "JobsAPI",
    "LocalRun",
    "ModelsAPI",
    "Run",
    "RunFailedError",
    "RunsAPI",
    "SetupsAPI",
    "StudiesAPI",
    "SuitesAPI",
    "Task",
    "TasksAPI",
]
