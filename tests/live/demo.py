"""One ``mlhive demo`` process, as ``make demo`` starts it, for the live tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import httpx

from mlhive.server.config import Settings
from tests.live.conftest import ROOT, free_port


class Demo:
    """One ``mlhive demo`` process whose stderr lines are collected as they come."""

    def __init__(self, settings: Settings, *, only: tuple[str, ...] = ("iris",)) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        env = {**os.environ, "MLHIVE_DATABASE_URL": settings.resolved_database_url}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlhive.cli.main", "demo", "--port", str(self.port),
             "--data-dir", str(settings.data_dir), *(f"--only={name}" for name in only)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float) -> int:
        """The index of the first line holding ``text``; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, line in enumerate(self.lines):
                if text in line:
                    return index
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} in:\n" + "\n".join(self.lines[-40:]))

    def health_answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.reader.join(timeout=30)
        if self.process.stderr is not None:
            self.process.stderr.close()
