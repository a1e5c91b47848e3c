"""mlhive: a self-hosted ML commons. The client side lives here; the server in ``mlhive.server``.

Example:
    >>> import mlhive
    >>> client = mlhive.Client("http://127.0.0.1:8000", api_key="...")  # doctest: +SKIP
    >>> X, y = client.datasets.get(1).get_data()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlhive._version import __version__
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

if TYPE_CHECKING:
    from mlhive.client import Client, Dataset, Flow, LocalRun, Run, RunFailedError, Task

# The client pulls in pandas, pyarrow and httpx (about a second); it is imported on first use so
# that `import mlhive.errors` and the command line's `--help` start at once.
_CLIENT_NAMES = frozenset(
    {"Client", "Dataset", "Flow", "LocalRun", "Run", "RunFailedError", "Task"}
)


def __getattr__(name: str) -> Any:
    if name in _CLIENT_NAMES:
        import mlhive.client

        value = getattr(mlhive.client, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mlhive' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_CLIENT_NAMES})


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
