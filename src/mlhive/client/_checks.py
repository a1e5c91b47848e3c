"""The model-checks part of ``client.models``: configure a repository's checks, read a
commit's results, run them again and wait for them."""

from __future__ import annotations

import time
from typing import Any

from mlhive.client._http import HttpCore
from mlhive.errors import WaitTimeoutError
from mlhive.wire.serving import CommitChecksOut, ModelChecksConfig, ModelChecksOut

_UNDER_WAY = ("queued", "running")


class ChecksMixin:
    """Model checks (model CI): what every candidate commit must pass before promotion."""

    _core: HttpCore
    poll_interval: float

    def _url(self, repo: str, tail: str = "") -> str:
        raise NotImplementedError

    def check_config(self, repo: str) -> ModelChecksOut:
        """The repository's checks (an empty configuration, revision 0, when it has none)."""
        return ModelChecksOut.model_validate(self._core.get_json(self._url(repo, "/checks")))

    def set_checks(
        self, repo: str, config: ModelChecksConfig | dict[str, Any] | None = None, **fields: Any
    ) -> ModelChecksOut:
        """Replace the repository's checks (owner only). Commits checked under the previous
        configuration are checked again (:meth:`run_checks`) before they can be promoted.

        Args:
            repo: ``owner/name``.
            config: the whole configuration, or give its fields as keywords
                (``degenerate=True``, ``scores=[{"measure": "predictive_accuracy", "min": 0.8}]``,
                ``rules=[...]``, ``latency_ms=20``, ``schema_check=True``, ``onnx_parity=True``).

        Raises:
            InvalidInputError: a bad configuration (the message names the field).
            PermissionDeniedError: not the owner.
        """
        body = {**_as_dict(config), **fields}  # the server validates it, naming the field
        response = self._core.request("PUT", self._url(repo, "/checks"), json=body)
        return ModelChecksOut.model_validate(response.json())

    def checks(self, repo: str, commit: str = "main") -> CommitChecksOut:
        """A commit's check results: each check, passed or failed, why, and what it measured."""
        path = self._url(repo, f"/commits/{commit}/checks")
        return CommitChecksOut.model_validate(self._core.get_json(path))

    def run_checks(self, repo: str, commit: str = "main") -> CommitChecksOut:
        """Queue a commit's checks again (owner only); the server's worker runs them.

        Raises:
            ConflictError: the repository configures no checks.
        """
        path = self._url(repo, f"/commits/{commit}/checks")
        return CommitChecksOut.model_validate(self._core.request("POST", path).json())

    def wait_checked(
        self, repo: str, commit: str = "main", timeout: float = 600
    ) -> CommitChecksOut:
        """Poll until a commit's checks are no longer queued or running.

        Raises:
            WaitTimeoutError: still under way after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while (found := self.checks(repo, commit)).state in _UNDER_WAY:
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(
                    f"the checks of {commit} are still {found.state} after {timeout:g} s"
                )
            time.sleep(self.poll_interval)
        return found


def _as_dict(config: ModelChecksConfig | dict[str, Any] | None) -> dict[str, Any]:
    if config is None:
        return {}
    if isinstance(config, ModelChecksConfig):
        return config.model_dump(mode="json", exclude_unset=True)
    return dict(config)
