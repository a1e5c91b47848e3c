"""A real ``mlhive serve`` process on 127.0.0.1, started and killed by the tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from mlhive.server.config import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlhive.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


@dataclass
class LiveServer:
    """One server process; ``start``/``kill`` may be called repeatedly on the same data."""

    data_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    admin_key: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *extra: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mlhive.cli.main",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                *extra,
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("mlhive serve did not come up")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as in a power cut."""
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_key}"}


@pytest.fixture
def live(settings: Settings) -> Iterator[LiveServer]:
    env = {
        **os.environ,
        "MLHIVE_DATABASE_URL": settings.resolved_database_url,
        "MLHIVE_WORKER_POLL_SECONDS": "0.1",
    }
    server = LiveServer(settings.data_dir, env)
    created = cli(
        "user",
        "create",
        "admin",
        "--admin",
        "--json",
        "--data-dir",
        str(settings.data_dir),
        env=env,
    )
    server.admin_key = json.loads(created.stdout)["api_key"]
    yield server
    server.stop()
