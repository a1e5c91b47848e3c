"""Shared helpers for benchmarks: a real ``mlhive serve`` process and timing summaries."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

WORK = Path(__file__).parent / "_work"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LiveProcess:
    """A running ``mlhive serve``: where it answers, an admin key, and its process id."""

    url: str
    key: str
    pid: int


@contextmanager
def live_server(
    data_dir: Path, *extra: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """Start ``mlhive serve`` on a fresh port; yields (url, admin api key)."""
    with live_process(data_dir, *extra, env=env) as served:
        yield served.url, served.key


@contextmanager
def live_process(
    data_dir: Path, *extra: str, env: dict[str, str] | None = None
) -> Iterator[LiveProcess]:
    """Start ``mlhive serve`` on a fresh port; yields the :class:`LiveProcess`."""
    env = {**os.environ, **(env or {})}
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlhive.cli.main",
            "user",
            "create",
            f"bench{time.time_ns()}",
            "--admin",
            "--json",
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = json.loads(created.stdout)["api_key"]
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlhive.cli.main",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield LiveProcess(url, key, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` in MiB (Linux ``/proc``; NaN elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of ``samples``."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def wait_job(url: str, job_id: int, timeout: float = 3600) -> dict[str, object]:
    """Poll a job until it ends; returns its final JSON."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, object] = httpx.get(f"{url}/api/jobs/{job_id}").json()
        if job["state"] in {"done", "failed"}:
            return job
        time.sleep(0.2)
    raise TimeoutError(f"job {job_id} did not finish")
