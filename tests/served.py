"""Start a real ``mlhive serve`` process with a given Python (standard library only, so that
suites running in environments without mlhive's server can use it)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """One ``mlhive serve`` on 127.0.0.1 over ``data_dir``, with an admin key."""

    python: str
    data_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    api_key: str = ""
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.data_dir / "server.log"

    def cli(self, *args: str) -> str:
        """Run ``mlhive <args>`` with the server's Python; returns its standard output."""
        done = subprocess.run(
            [self.python, "-m", "mlhive.cli.main", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return done.stdout

    def start(self, timeout: float = 120.0) -> None:
        """Create the admin user (once), start the server and wait until it answers."""
        if not self.api_key:
            created = self.cli("user", "create", "admin", "--admin", "--json",
                               "--data-dir", str(self.data_dir))  # fmt: skip
            self.api_key = str(json.loads(created)["api_key"])
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [self.python, "-m", "mlhive.cli.main", "serve", "--port", str(self.port),
                 "--data-dir", str(self.data_dir)],
                env=self.env, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=2):
                    return
            except OSError as exc:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    log = self.log.read_text()
                    raise RuntimeError(f"mlhive serve did not start:\n{log}") from exc
                time.sleep(0.2)

    def stop(self) -> None:
        """Terminate the server and wait for it (killed if it does not stop in 30 s)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None
