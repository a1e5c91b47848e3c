"""The httpx-based mlhive client: :class:`Client` and its resource APIs."""

from __future__ import annotations

from mlhive.client._client import Client
from mlhive.client.config import ClientConfig
from mlhive.client.dataset import Dataset
from mlhive.client.datasets import DatasetsAPI
from mlhive.client.jobs import JobsAPI

__all__ = ["Client", "ClientConfig", "Dataset", "DatasetsAPI", "JobsAPI"]
