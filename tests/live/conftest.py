"""A real ``mlhive serve`` process on 127.0.0.1, started and killed by the tests.

Every server writes its output to ``server.log`` in its data folder; when the session ends,
:func:`no_key_in_any_server_log` reads them all: no API key may be found in any, in clear or
percent-encoded.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_plus

import httpx
import pytest

from mlhive.server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
_KEY_SHAPED = re.compile(r"mlh_[A-Za-z0-9_-]{16,}")


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

    @property
    def log(self) -> Path:
        """Everything the server processes printed (appended across restarts)."""
        return self.data_dir / "server.log"

    def start(self, *extra: str) -> None:
        """``mlhive serve`` with ``extra`` options."""
        serve = ["mlhive.cli.main", "serve", "--port", str(self.port)]
        self._run([*serve, "--data-dir", str(self.data_dir), *extra])

    def start_factory(self, factory: str) -> None:
        """uvicorn serving the application ``factory`` builds (``module:function``)."""
        self._run(["uvicorn", factory, "--factory", "--port", str(self.port)])

    def _run(self, module_and_args: list[str]) -> None:
        _SERVED.append(self)
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", *module_and_args],
                env={**self.env, "MLHIVE_DATA_DIR": str(self.data_dir)},
                cwd=ROOT,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120  # a busy 2-core machine imports slowly
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        state = "exited" if self.process.poll() is not None else "did not come up"
        raise RuntimeError(f"the server {state}:\n{self.log.read_text()[-4000:]}")

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


_SERVED: list[LiveServer] = []


@pytest.fixture(scope="session", autouse=True)
def no_key_in_any_server_log() -> Iterator[None]:
    """After the session: no server's log holds a key, in clear or percent-encoded."""
    yield
    leaks = []
    for log in dict.fromkeys(server.log for server in _SERVED):
        text = log.read_text(errors="replace") if log.exists() else ""
        leaks += [f"{log}: {found}" for found in _KEY_SHAPED.findall(unquote_plus(text))]
    assert not leaks, "API keys in the servers' logs:\n" + "\n".join(leaks)


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
