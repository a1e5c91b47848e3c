"""mlhive: a self-hosted ML commons. The client side lives here; the server in ``mlhive.server``.

Example:
    >>> import mlhive
    >>> client = mlhive.Client("http://127.0.0.1:8000", api_key="...")  # doctest: +SKIP
    >>> X, y = client.datasets.get(1).get_data()  # doctest: +SKIP
"""

from __future__ import annotations

from mlhive._version import __version__
from mlhive.client import Client, Dataset, Flow, LocalRun, Run, RunFailedError, Task
from mlhive.errors import (
    APIError,
    AuthenticationError,
    CachedDataWarning,
    ConflictError,
    ConnectionFailed,
    ConnectionFailedError,
    CorruptDownloadError,
    InvalidInputError,
    JobFailedError,
    MlhiveError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    WaitTimeoutError,
)

__all__ = [
    "APIError",
    "AuthenticationError",
    "CachedDataWarning",
    "Client",
    "ConflictError",
    "ConnectionFailed",
    "ConnectionFailedError",
    "CorruptDownloadError",
    "Dataset",
    "Flow",
    "InvalidInputError",
    "JobFailedError",
    "LocalRun",
    "MlhiveError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitedError",
    "Run",
    "RunFailedError",
    "ServerError",
    "Task",
    "WaitTimeoutError",
    "__version__",
]
