"""The retraining part of ``client.models``: a repository's retraining policy (online
learning), and asking for a retrain now."""

from __future__ import annotations

import time

from mlhive.client._http import HttpCore
from mlhive.errors import WaitTimeoutError
from mlhive.wire.serving import RetrainingPolicyIn, RetrainingPolicyOut

_UNDER_WAY = ("queued", "running", "checking")


class RetrainingMixin:
    """Retraining policies: follow a dataset's versions, refit, commit, check, propose."""

    _core: HttpCore
    poll_interval: float

    def _url(self, repo: str, tail: str = "") -> str:
        raise NotImplementedError

    def retraining(self, repo: str) -> RetrainingPolicyOut:
        """The repository's retraining policy and how its latest retrain ended.

        Raises:
            NotFoundError: the repository has no policy.
        """
        data = self._core.get_json(self._url(repo, "/retraining"))
        return RetrainingPolicyOut.model_validate(data)

    def set_retraining(
        self,
        repo: str,
        dataset: str,
        *,
        target: str | None = None,
        time_column: str | None = None,
        branch: str = "retrain",
        action: str = "merge_request",
        interval_hours: float | None = None,
        enabled: bool = True,
    ) -> RetrainingPolicyOut:
        """Create or replace the repository's retraining policy (owner only).

        On every new version of ``dataset`` (and every ``interval_hours`` when given) the
        server refits the flow and setup of the default branch's head on the newest version,
        commits it to ``branch`` with a card listing the data it has seen, runs the model
        checks and opens a merge request (``action="merge_request"``) or moves @staging when
        they pass (``action="promote_staging"``).

        Raises:
            InvalidInputError: the head records no flow and setup, the dataset or a column is
                unknown, or a public repository would follow private data (the message names
                the field).
            PermissionDeniedError: not the owner.
        """
        body = RetrainingPolicyIn.model_validate(
            {
                "dataset": dataset,
                "target": target,
                "time_column": time_column,
                "branch": branch,
                "action": action,
                "interval_hours": interval_hours,
                "enabled": enabled,
            }
        )
        response = self._core.request(
            "PUT", self._url(repo, "/retraining"), json=body.model_dump(mode="json")
        )
        return RetrainingPolicyOut.model_validate(response.json())

    def delete_retraining(self, repo: str) -> None:
        """Remove the repository's retraining policy (owner only); its commits stay."""
        self._core.request("DELETE", self._url(repo, "/retraining"))

    def retrain(self, repo: str) -> RetrainingPolicyOut:
        """Queue a retrain on the newest version of the followed dataset now (owner only).

        Raises:
            ConflictError: a retrain is already under way.
        """
        response = self._core.request("POST", self._url(repo, "/retraining/run"))
        return RetrainingPolicyOut.model_validate(response.json())

    def wait_retrained(self, repo: str, timeout: float = 600) -> RetrainingPolicyOut:
        """Poll until the latest retrain is no longer queued, running or being checked.

        Raises:
            WaitTimeoutError: still under way after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while (found := self.retraining(repo)).last.state in _UNDER_WAY:
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(
                    f"the retrain of {repo} is still {found.last.state} after {timeout:g} s"
                )
            time.sleep(self.poll_interval)
        return found
