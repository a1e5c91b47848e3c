"""A live ``mlhive serve`` (from the full environment named by ``MLHIVE_PYTHON``) for the
bare client to talk to; this environment itself has no server dependencies."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.served import Served

if importlib.util.find_spec("fastapi") is not None:  # the main environment: not these tests
    collect_ignore_glob = ["*"]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    python = os.environ.get("MLHIVE_PYTHON")
    if not python:
        pytest.fail("set MLHIVE_PYTHON to the Python of an environment with mlhive[server]")
    data_dir: Path = tmp_path_factory.mktemp("mlhive")
    env = {**os.environ, "MLHIVE_WORKER_POLL_SECONDS": "0.1"}
    env["MLHIVE_DATABASE_URL"] = f"sqlite:///{data_dir / 'mlhive.sqlite3'}"
    served = Served(python=python, data_dir=data_dir, env=env)
    served.start()
    try:
        yield served
    finally:
        served.stop()
