"""``mlhive demo`` answers at once, loads in the background with progress, restarts cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mlhive.server.config import Settings
from tests.live.conftest import ROOT, free_port


class Demo:
    """One ``mlhive demo`` process whose stderr lines are collected as they come."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        env = {**os.environ, "MLHIVE_DATABASE_URL": settings.resolved_database_url}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlhive.cli.main", "demo", "--port", str(self.port),
             "--data-dir", str(settings.data_dir), "--only", "iris"],
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


@pytest.fixture
def demo(settings: Settings) -> Iterator[Demo]:
    started = Demo(settings)
    yield started
    started.stop()


def test_the_demo_serves_while_it_loads_and_reports_each_step(
    demo: Demo, settings: Settings
) -> None:
    demo.wait_for("admin API key", timeout=180)
    deadline = time.monotonic() + 180  # generous: a busy machine imports slowly
    while not demo.health_answers():
        assert time.monotonic() < deadline, "\n".join(demo.lines)
        time.sleep(0.1)
    answered_at = len(demo.lines)
    ready = demo.wait_for("[demo] ready", timeout=900)
    assert ready >= answered_at  # it answered before the content had finished loading
    steps = [line for line in demo.lines if line.startswith("[demo] ")]
    assert any("dataset iris published (1/1)" in line for line in steps)
    assert any("baseline runs uploaded" in line for line in steps)
    assert any("model repository admin/" in line for line in steps)
    assert not any("loading stopped" in line for line in demo.lines)
    iris = httpx.get(f"{demo.url}/api/datasets", params={"name": "iris"}).json()["items"]
    assert [d["status"] for d in iris] == ["active"]
    demo.stop()

    again = Demo(settings)  # a restart keeps what exists and fits nothing again
    try:
        again.wait_for("[demo] ready", timeout=300)
        steps = [line for line in again.lines if line.startswith("[demo] ")]
        assert not any("published" in s or "uploaded" in s or "made" in s for s in steps)
    finally:
        again.stop()


def test_an_unknown_demo_dataset_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "mlhive.cli.main", "demo", "--only", "irises",
         "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip
    assert finished.returncode == 2
    assert "irises" in finished.stderr and "iris" in finished.stderr
