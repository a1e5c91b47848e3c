"""``mlhive demo`` answers at once, loads in the background with progress, restarts cleanly."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mlhive.server.config import Settings
from tests.live.conftest import ROOT
from tests.live.demo import Demo


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
