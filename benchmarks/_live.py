"""Shared helpers for benchmarks: a real ``mlhive serve`` process and timing summaries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


_LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")


@dataclass
class Load:
    """What one busy server answered: calls per second and how many were not 200."""

    per_second: float
    errors: int


async def _caller(url: str, request: bytes, until: float, done: list[int], bad: list[int]) -> None:
    where = urlsplit(url)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    answered = failed = 0
    try:
        while time.perf_counter() < until:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = _LENGTH.search(head)
            await reader.readexactly(int(length.group(1)) if length else 0)
            answered += 1
            failed += head[9:12] != b"200"
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    done.append(answered)
    bad.append(failed)


def saturated(
    url: str,
    path: str,
    body: dict[str, Any] | None,
    headers: dict[str, str],
    connections: int,
    seconds: float,
) -> Load:
    """Calls per second ``url`` answers with ``connections`` keep-alive callers kept waiting
    on it (a POST of ``body`` as JSON, or a GET when ``body`` is None), after a 0.5 s warm-up."""
    lines = [
        f"{'GET' if body is None else 'POST'} {path} HTTP/1.1",
        f"Host: {urlsplit(url).netloc}",
    ]
    payload = b""
    if body is not None:
        payload = json.dumps(body).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload

    async def run() -> Load:
        done: list[int] = []
        bad: list[int] = []
        await asyncio.gather(  # a short warm-up, then the measured stretch
            *(_caller(url, request, time.perf_counter() + 0.5, [], []) for _ in range(connections))
        )
        start = time.perf_counter()
        await asyncio.gather(
            *(_caller(url, request, start + seconds, done, bad) for _ in range(connections))
        )
        return Load(sum(done) / (time.perf_counter() - start), sum(bad))

    return asyncio.run(run())
