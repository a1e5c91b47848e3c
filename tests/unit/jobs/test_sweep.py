"""Files a killed process left in the staging and scratch folders are removed at start and by
every idle worker; files still being written (recently touched) are spared."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from mlhive.server.jobs.sweep import LEFTOVER_AGE_SECONDS, sweep_leftovers
from mlhive.server.storage import LocalBlobStore
from mlhive.server.storage.base import STAGING_PREFIX
from mlhive.server.wiring import Hive


def leave(folder: Path, name: str, *, age_s: float) -> Path:
    """A file last modified ``age_s`` seconds ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"half a file")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def leftovers(hive: Hive) -> tuple[Path, Path, Path]:
    """An old scratch file, an old staging file and a scratch file being written now."""
    assert isinstance(hive.store, LocalBlobStore)
    old = LEFTOVER_AGE_SECONDS + 60
    return (
        leave(hive.settings.data_dir / "tmp", "tmpk1ll3d.parquet", age_s=old),
        leave(hive.store.staging_dir, f"{STAGING_PREFIX}k1ll3d.part", age_s=old),
        leave(hive.settings.data_dir / "tmp", "model-inflight", age_s=1),
    )


def test_a_sweep_removes_old_leftovers_and_spares_files_in_use(hive: Hive) -> None:
    scratch, staging, in_use = leftovers(hive)
    assert sweep_leftovers(hive.job_context) == 2
    assert not scratch.exists() and not staging.exists()
    assert in_use.exists()


def test_the_server_sweeps_at_start(app: FastAPI, hive: Hive) -> None:
    scratch, staging, in_use = leftovers(hive)
    with TestClient(app):
        assert not scratch.exists() and not staging.exists()
        assert in_use.exists()


def test_an_idle_worker_sweeps(hive: Hive) -> None:
    scratch, staging, in_use = leftovers(hive)
    hive.worker.start()
    try:
        deadline = time.monotonic() + 30
        while (scratch.exists() or staging.exists()) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        hive.worker.stop()
    assert not scratch.exists() and not staging.exists()
    assert in_use.exists()
