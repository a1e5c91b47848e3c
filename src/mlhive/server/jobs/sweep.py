"""Remove what killed processes left behind: staging files of interrupted blob writes and
scratch files (``<data_dir>/tmp``) of interrupted uploads, conversions and downloads.

The server sweeps at start and every worker sweeps every few minutes while idle. Only files
untouched for :data:`LEFTOVER_AGE_SECONDS` go: a write in progress keeps touching its file,
and a download being sent keeps its open file even once its name is gone.
"""

from __future__ import annotations

import logging

from mlhive.server.jobs.context import JobContext
from mlhive.server.storage.base import cleanup_scratch_dir

log = logging.getLogger("mlhive.worker")

LEFTOVER_AGE_SECONDS = 3600.0
SWEEP_EVERY_SECONDS = 300.0


def sweep_leftovers(context: JobContext, older_than_s: float = LEFTOVER_AGE_SECONDS) -> int:
    """Remove staging and scratch files older than ``older_than_s``; returns how many."""
    removed = context.store.cleanup_staging(older_than_s=older_than_s)
    removed += cleanup_scratch_dir(context.settings.data_dir / "tmp", older_than_s)
    if removed:
        log.info("removed %d files left by interrupted writes", removed)
    return removed
