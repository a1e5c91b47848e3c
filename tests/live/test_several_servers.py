"""Several servers, one hive: two ``mlhive serve`` and two ``mlhive worker`` processes share one
PostgreSQL database and one S3 store (moto's server), each with a data folder of its own, as
on separate machines.

A mixed workload goes through both servers (uploads, a private dataset, tasks, runs, a model
push and pull); one worker is killed (SIGKILL) in the middle of a job. Then: every job ran to
completion exactly once (the killed one was claimed again by the survivor once its lease
expired), every object reads the same from both servers, private stays private on both, and a
key that spent its budget on one server is refused by the other.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier
from sqlalchemy import select

import mlhive
from mlhive.server.config import Settings
from mlhive.server.db.engine import make_engine, make_session_factory
from mlhive.server.db.tables.jobs import Job
from tests.conftest import PG_URL, S3_BUCKET
from tests.live.conftest import ROOT, LiveServer

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not PG_URL,
        reason="several servers share one PostgreSQL database: set MLHIVE_TEST_DATABASE_URL "
        "(the PostgreSQL pass of .ci/run does)",
    ),
]

LEASE_SECONDS = 3.0
DEADLINE = 240.0  # a busy 2-core machine runs all of this slowly


@dataclass
class LiveWorker:
    """One ``mlhive worker`` process."""

    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.data_dir / "worker.log"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "mlhive.cli.main",
                    "worker",
                    "--data-dir",
                    str(self.data_dir),
                ],
                env={**self.env, "MLHIVE_DATA_DIR": str(self.data_dir)},
                cwd=ROOT,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)
            self.process = None


@dataclass
class Hive:
    servers: tuple[LiveServer, LiveServer]
    workers: tuple[LiveWorker, LiveWorker]
    database_url: str
    env: dict[str, str]

    def jobs(self) -> list[Job]:
        engine = make_engine(self.database_url)
        try:
            with make_session_factory(engine)() as session:
                return list(session.scalars(select(Job).order_by(Job.id)))
        finally:
            engine.dispose()

    def wait_jobs_done(self, what: str) -> list[Job]:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            jobs = self.jobs()
            if jobs and all(job.state in ("done", "failed") for job in jobs):
                return jobs
            time.sleep(0.2)
        raise AssertionError(f"{what}: jobs still pending: {[(j.kind, j.state) for j in jobs]}")


@pytest.fixture
def hive(settings: Settings, tmp_path: Path, s3_storage_options: dict[str, Any]) -> Iterator[Hive]:
    env = {
        **os.environ,
        "MLHIVE_DATABASE_URL": settings.resolved_database_url,
        "MLHIVE_STORAGE_URL": f"s3://{S3_BUCKET}/hive-{uuid.uuid4().hex}",
        "MLHIVE_STORAGE_OPTIONS": json.dumps(s3_storage_options),
        "MLHIVE_WORKER": "off",  # the servers run no jobs: the two workers do
        "MLHIVE_WORKER_POLL_SECONDS": "0.1",
        "MLHIVE_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        # Small read budgets per key (two a second, a hundred at once), generous per address:
        # everything here comes from 127.0.0.1.
        "MLHIVE_RATE_LIMIT_PER_MINUTE": "120",
        "MLHIVE_RATE_LIMIT_BURST": "100",
        "MLHIVE_RATE_LIMIT_ADDRESS_FACTOR": "100",
    }
    servers = (LiveServer(tmp_path / "server-a", env), LiveServer(tmp_path / "server-b", env))
    workers = (LiveWorker(tmp_path / "worker-1", env), LiveWorker(tmp_path / "worker-2", env))
    for server in servers:
        server.data_dir.mkdir(parents=True)
    try:
        for worker in workers:
            worker.start()
        for server in servers:
            server.start()
        yield Hive(servers, workers, settings.resolved_database_url, env)
    finally:
        for server in servers:
            server.stop()
        for worker in workers:
            worker.stop()


def _user(hive: Hive, name: str, *, admin: bool = False) -> str:
    args = ["user", "create", name, "--json", "--data-dir", str(hive.servers[0].data_dir)]
    command = [sys.executable, "-m", "mlhive.cli.main", *args, *(["--admin"] if admin else [])]
    created = subprocess.run(command, env=hive.env, capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    return str(json.loads(created.stdout)["api_key"])


def _client(server: LiveServer, key: str | None, cache: Path) -> mlhive.Client:
    return mlhive.Client(server.url, key, cache_dir=cache)


def _frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(8)})
    frame["label"] = np.where(frame["x0"] + frame["x1"] > 0, "yes", "no")
    return frame


def _kill_the_worker_running(hive: Hive, subject: str) -> tuple[LiveWorker, LiveWorker]:
    """SIGKILL the worker that holds ``subject``'s job while it runs; (killed, survivor)."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        jobs = [j for j in hive.jobs() if j.subject == subject]
        assert not any(j.state == "done" for j in jobs), f"{subject} ended before its worker died"
        running = [j for j in jobs if j.state == "running"]
        if running and running[0].worker:
            pid = int(running[0].worker.split(":")[1])
            killed, survivor = sorted(hive.workers, key=lambda w: w.pid != pid)
            assert killed.pid == pid, f"{running[0].worker} is neither worker"
            killed.kill()
            return killed, survivor
        time.sleep(0.02)
    raise AssertionError(f"{subject}'s job never ran")


def _get(server: LiveServer, path: str, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(f"{server.url}{path}", headers=headers, timeout=60)


def test_two_servers_and_two_workers_share_one_hive(hive: Hive, tmp_path: Path) -> None:
    a, b = hive.servers
    alice, bob = _user(hive, "alice"), _user(hive, "bob")
    with (
        _client(a, alice, tmp_path / "cache-alice") as on_a,
        _client(b, bob, tmp_path / "cache-bob") as on_b,
    ):
        big, small, secret, task, runs, big_job, survivor = _workload(hive, on_a, on_b)
    _check_every_job_ran_once(hive, big_job)
    _check_both_servers_read_the_same(hive, big, small, secret, task, runs, alice, bob)
    _check_one_budget(hive)
    # The survivors' logs hold no error.
    for log in (a.log, b.log, survivor.log):
        text = log.read_text(errors="replace")
        assert "Traceback" not in text and " ERROR " not in text, f"{log}:\n{text[-3000:]}"


def _workload(hive: Hive, on_a: mlhive.Client, on_b: mlhive.Client) -> tuple[Any, ...]:
    # A dataset large enough that its processing is still running when its worker dies.
    big = on_a.datasets.publish(_frame(100_000, 0), name="big", target="label")
    killed, survivor = _kill_the_worker_running(hive, f"dataset:{big.id}")
    assert killed.process is None
    small = [
        on_a.datasets.publish(_frame(300, 1), name="small-a", target="label"),
        on_b.datasets.publish(_frame(300, 2), name="small-b", target="label"),
    ]
    secret = on_b.datasets.publish(
        _frame(200, 3), name="bob-secret", target="label", visibility="private"
    )
    jobs = hive.wait_jobs_done("processing")
    assert {j.state for j in jobs} == {"done"}, [(j.kind, j.subject, j.error) for j in jobs]
    big_job = next(j for j in jobs if j.subject == f"dataset:{big.id}")
    assert big_job.attempts == 2  # the killed worker's attempt, then the survivor's
    assert big_job.worker is not None and int(big_job.worker.split(":")[1]) == survivor.pid

    # Experiments through both servers: a task made on one, runs uploaded to each.
    task = on_a.tasks.create(small[0].id, "classification")
    runs = [
        on_a.run(DecisionTreeClassifier(max_depth=2, random_state=0), task.id),
        on_b.run(DecisionTreeClassifier(max_depth=4, random_state=0), task.id),
    ]
    for run in runs:
        assert not run.wait(timeout=DEADLINE).empty
    # A model pushed through one server is pulled through the other (its blobs are in S3).
    X, y = small[0].get_data()
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    on_a.models.create("tree")
    on_a.models.push("alice/tree", model, message="first")
    pulled = on_b.models.pull("alice/tree", "main")
    assert (pulled.predict(X) == model.predict(X)).all()

    return big, small, secret, task, runs, big_job, survivor


def _check_every_job_ran_once(hive: Hive, big_job: Job) -> None:
    """Every job ran to completion, once: only the killed worker's job ran twice."""
    jobs = hive.wait_jobs_done("the whole workload")
    assert {j.state for j in jobs} == {"done"}, [(j.kind, j.subject, j.error) for j in jobs]
    assert [j.id for j in jobs if j.attempts != 1] == [big_job.id]


def _check_both_servers_read_the_same(
    hive: Hive, big: Any, small: list[Any], secret: Any, task: Any, runs: list[Any], *keys: str
) -> None:
    a, b = hive.servers
    alice, bob = keys
    # Every object reads the same from both servers, on the API and the OpenML face.
    public = [big.id, *(d.id for d in small)]
    paths = [f"/api/datasets/{i}" for i in public]
    paths += [f"/api/datasets/{i}/data" for i in public]
    paths += [f"/api/v1/xml/data/{i}" for i in public]
    paths += [f"/data/v1/download/{big.id}/big.arff"]
    paths += [f"/api/tasks/{task.id}", f"/api/tasks/{task.id}/leaderboard"]
    paths += [f"/api/runs/{run.id}" for run in runs]
    for path in paths:
        answers = [_get(server, path) for server in (a, b)]
        assert [r.status_code for r in answers] == [200, 200], path
        # Links name the server that answered: compare what lies behind them.
        bodies = [
            r.content.replace(s.url.encode(), b"SERVER")
            for r, s in zip(answers, (a, b), strict=True)
        ]
        assert bodies[0] == bodies[1], path
    # Private stays private on both: its owner reads it anywhere, nobody else anywhere.
    for server in (a, b):
        assert _get(server, f"/api/datasets/{secret.id}", bob).status_code == 200
        assert _get(server, f"/api/datasets/{secret.id}/data", bob).status_code == 200
        assert _get(server, f"/api/datasets/{secret.id}", alice).status_code == 404
        assert _get(server, f"/api/datasets/{secret.id}").status_code == 404


def _check_one_budget(hive: Hive) -> None:
    """A key that spends its reads on A is refused by B, which had never seen it (B's own
    bucket for it would still hold a hundred reads)."""
    a, b = hive.servers
    mallory = _user(hive, "mallory")
    spent = 0
    while _get(a, "/api/datasets?limit=1", mallory).status_code != 429:
        spent += 1
        assert spent <= 150, "A never refused the key"
    allowed_on_b = 0
    deadline = time.monotonic() + 15
    refused_burst = False
    while time.monotonic() < deadline and not refused_burst:
        codes = [_get(b, "/api/datasets?limit=1", mallory).status_code for _ in range(5)]
        allowed_on_b += codes.count(200)
        refused_burst = codes.count(429) >= 4
        time.sleep(0.25)
    assert refused_burst, "B kept answering a key that had spent its budget on A"
    assert allowed_on_b < 30
