"""AutoML searches on the server: start one, follow it, wait for its result."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from mlhive.client._http import HttpCore
from mlhive.errors import JobFailedError, WaitTimeoutError
from mlhive.wire.automl import AutoMLCreate, AutoMLOut

_UNITS = {
    "": 1, "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
    "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40,
}  # fmt: skip
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_pause = time.sleep
"""How polling waits (a seam for tests, which run the server's worker meanwhile)."""
SLACK = 60.0
"""Seconds :func:`automl` waits beyond the time budget (the queue, the model's export)."""


def parse_size(size: int | str) -> int:
    """Bytes from ``4GB``, ``512MiB``, ``2g`` or a plain number of bytes.

    Raises:
        ValueError: naming the size and the units understood.
    """
    if isinstance(size, int):
        return size
    match = _SIZE.match(size)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValueError(
            f"memory limit {size!r}: write a number and a unit, e.g. 4GB, 512MiB or 2G "
            "(units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB; K/M/G/T mean KiB/MiB/GiB/TiB)"
        )
    return int(float(match.group(1)) * _UNITS[unit])


class AutoMLAPI:
    """What ``client.automl(...)`` uses: submit a search and poll it."""

    def __init__(self, core: HttpCore, poll_interval: float = 1.0) -> None:
        self._core = core
        self.poll_interval = poll_interval

    def submit(self, body: AutoMLCreate) -> AutoMLOut:
        """Queue a search; returns it (``state`` ``queued``)."""
        response = self._core.request("POST", "/api/automl", json=body.model_dump(mode="json"))
        return AutoMLOut.model_validate(response.json())

    def get(self, search_id: int) -> AutoMLOut:
        """A search of yours, with its trials so far."""
        return AutoMLOut.model_validate(self._core.get_json(f"/api/automl/{search_id}"))

    def wait(
        self,
        search_id: int,
        timeout: float,
        on_progress: Callable[[AutoMLOut], None] | None = None,
    ) -> AutoMLOut:
        """Poll until the search is done; ``on_progress`` sees it after every poll.

        Raises:
            JobFailedError: the search failed (the message holds why).
            WaitTimeoutError: still running after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            search = self.get(search_id)
            if on_progress is not None:
                on_progress(search)
            if search.state == "failed":
                raise JobFailedError(f"AutoML search {search_id} failed: {search.error}")
            if search.state == "done":
                return search
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(
                    f"AutoML search {search_id} still {search.state} after {timeout:g} s"
                )
            _pause(self.poll_interval)
