"""The :class:`Client`: connection settings, the HTTP core, and one attribute per resource."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import httpx

from mlhive.client._http import HttpCore
from mlhive.client.cache import Cache
from mlhive.client.config import ClientConfig, resolve
from mlhive.client.datasets import DatasetsAPI
from mlhive.client.jobs import JobsAPI
from mlhive.client.models import ModelsAPI
from mlhive.wire.accounts import UserOut
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
        models: the model forge (:class:`~mlhive.client.models.ModelsAPI`).
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
        self.models = ModelsAPI(self._core)

    @property
    def url(self) -> str:
        """The base URL requests go to."""
        return self._core.base_url

    def __repr__(self) -> str:
        user = "anonymous" if self.config.api_key is None else "with api key"
        return f"Client({self.url!r}, {user})"

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
            ConnectionFailed: the server could not be reached.
            ServerError: the server is up but unhealthy.

        Example:
            >>> client.health().version  # doctest: +SKIP
            '0.1.0'
        """
        return Health.model_validate(self._core.get_json("/api/health"))

    def whoami(self) -> UserOut:
        """The user your API key belongs to.

        Raises:
            AuthenticationError: no API key, or an invalid or revoked one.
            ConnectionFailed: the server could not be reached.

        Example:
            >>> client.whoami().name  # doctest: +SKIP
            'alice'
        """
        return UserOut.model_validate(self._core.get_json("/api/users/me"))
