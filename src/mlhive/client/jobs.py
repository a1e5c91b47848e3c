"""Background jobs (e.g. a dataset's processing): look one up, wait for it to finish."""

from __future__ import annotations

import time

from mlhive.client._http import HttpCore
from mlhive.errors import JobFailedError, WaitTimeoutError
from mlhive.wire.common import JobOut

FINISHED = frozenset({"done", "failed"})


class JobsAPI:
    """``client.jobs``: the server's background jobs.

    Example:
        >>> job = client.jobs.wait(dataset.job_id, timeout=300)  # doctest: +SKIP
        >>> job.state  # doctest: +SKIP
        'done'
    """

    def __init__(self, core: HttpCore, poll_interval: float = 0.5) -> None:
        self._core = core
        self.poll_interval = poll_interval

    def get(self, job_id: int) -> JobOut:
        """The current state of a job.

        Args:
            job_id: the job's id (e.g. ``Dataset.job_id``).

        Returns:
            The job: ``state`` is ``queued``, ``running``, ``done`` or ``failed``.

        Raises:
            NotFoundError: no such job.
            ConnectionFailedError: the server could not be reached.
        """
        return JobOut.model_validate(self._core.get_json(f"/api/jobs/{job_id}"))

    def wait(self, job_id: int, timeout: float = 600) -> JobOut:
        """Poll a job until it is done.

        Args:
            job_id: the job's id.
            timeout: seconds to wait at most.

        Returns:
            The finished job (state ``done``).

        Raises:
            JobFailedError: the job failed (the message holds its error).
            WaitTimeoutError: it was still queued or running after ``timeout`` seconds.
            NotFoundError, ConnectionFailedError: as :meth:`get`.
        """
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job.state == "failed":
                raise JobFailedError(f"job {job_id} ({job.kind}) failed: {job.error}")
            if job.state == "done":
                return job
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(f"job {job_id} still {job.state} after {timeout:g} s")
            time.sleep(self.poll_interval)
