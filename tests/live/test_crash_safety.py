"""Kill the server (SIGKILL) mid-upload: the database and the blob store must still agree,
nothing half-written may be visible, and queued work must survive the restart."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from mlhive.server.db.engine import make_engine, make_session_factory
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.storage import LocalBlobStore
from tests.live.conftest import ROOT, LiveServer, cli

pytestmark = pytest.mark.live

BOUNDARY = "mlhive-test-boundary"


def _csv(rows: int) -> bytes:
    lines = ["id,group,value,note"]
    lines += [f"{i},g{i % 7},{i * 0.5},note {i % 13}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _multipart(content: bytes, name: str) -> bytes:
    meta = json.dumps({"name": name, "default_target_attribute": "group"})
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{meta}\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="d.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def _send_part(server: LiveServer, body: bytes, fraction: float) -> socket.socket:
    """Start a POST and send only ``fraction`` of its body (the rest never comes)."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    head = (
        f"POST /api/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {server.admin_key}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock.sendall(head + body[: int(len(body) * fraction)])
    return sock


def _assert_consistent(server: LiveServer) -> list[int]:
    """Every row's blob exists and verifies; every stored blob is whole; returns dataset ids."""
    store = LocalBlobStore(server.data_dir / "storage")
    engine = make_engine(server.env["MLHIVE_DATABASE_URL"])
    with make_session_factory(engine)() as session:
        datasets = list(session.scalars(select(Dataset)))
        blob_rows = set(session.scalars(select(Blob.sha256)))
    engine.dispose()
    for dataset in datasets:
        assert dataset.data_sha256 in blob_rows
        assert store.exists(dataset.data_sha256) and store.verify(dataset.data_sha256)
    for info in store.iterate():  # no half object under a valid name
        assert store.verify(info.sha256)
    return [d.id for d in datasets]


def test_sigkill_mid_upload_leaves_no_trace(live: LiveServer) -> None:
    live.start()
    complete = httpx.post(
        f"{live.url}/api/datasets",
        headers=live.headers,
        files={"file": ("d.csv", _csv(1000))},
        data={"metadata": json.dumps({"name": "kept", "default_target_attribute": "group"})},
    )
    assert complete.status_code == 201
    body = _multipart(_csv(400_000), "half")
    for fraction in (0.3, 0.999):
        sock = _send_part(live, body, fraction)
        time.sleep(0.5)
        live.kill()
        sock.close()
        assert _assert_consistent(live) == [complete.json()["id"]]
        live.start()
        listed = httpx.get(f"{live.url}/api/datasets", params={"status": "all"}).json()
        assert [d["name"] for d in listed["items"]] == ["kept"]


def test_sigkill_while_the_server_converts_an_upload(live: LiveServer) -> None:
    """The body arrives whole, then the server dies while parsing/writing Parquet."""
    live.start("--workers", "0")
    body = _multipart(_csv(600_000), "converting")
    for delay in (0.05, 0.2, 0.6):
        sock = _send_part(live, body, 1.0)
        time.sleep(delay)
        live.kill()
        sock.close()
        ids = _assert_consistent(live)
        live.start("--workers", "0")
        for dataset_id in ids:  # what committed is whole and readable
            data = httpx.get(f"{live.url}/api/datasets/{dataset_id}/data", timeout=60)
            assert data.status_code == 200
            assert pq.read_table(pa_buffer(data.content)).num_rows == 600_000


def pa_buffer(content: bytes) -> object:
    import pyarrow as pa

    return pa.BufferReader(content)


def test_queued_processing_survives_a_crash(live: LiveServer) -> None:
    live.start("--workers", "0")  # accept uploads, process nothing
    created = httpx.post(
        f"{live.url}/api/datasets",
        headers=live.headers,
        files={"file": ("d.csv", _csv(500))},
        data={"metadata": json.dumps({"name": "later", "default_target_attribute": "group"})},
    ).json()
    live.kill()
    live.start()  # with its in-process worker
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = httpx.get(f"{live.url}/api/jobs/{created['job_id']}").json()
        if job["state"] in {"done", "failed"}:
            break
        time.sleep(0.2)
    assert job["state"] == "done", job
    dataset = httpx.get(f"{live.url}/api/datasets/{created['id']}").json()
    assert dataset["status"] == "active"
    qualities = httpx.get(f"{live.url}/api/datasets/{created['id']}/qualities").json()
    assert qualities["NumberOfInstances"] == 500


def test_a_separate_worker_process_runs_the_jobs(live: LiveServer) -> None:
    import subprocess
    import sys

    live.start("--workers", "0")
    created = httpx.post(
        f"{live.url}/api/datasets",
        headers=live.headers,
        files={"file": ("d.csv", _csv(300))},
        data={"metadata": json.dumps({"name": "remote", "default_target_attribute": "group"})},
    ).json()
    worker = subprocess.Popen(
        [sys.executable, "-m", "mlhive.cli.main", "worker", "--data-dir", str(live.data_dir)],
        env=live.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180  # a loaded 2-core machine starts a process slowly
        state = "queued"
        while time.monotonic() < deadline and state not in {"done", "failed"}:
            state = httpx.get(f"{live.url}/api/jobs/{created['job_id']}").json()["state"]
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert state == "done"
    assert cli("--help", env=live.env).returncode == 0


def _job_state(server: LiveServer, job_id: int, until: set[str]) -> dict[str, object]:
    """Poll a job until its state is one of ``until`` (60 s at most); returns the job."""
    deadline = time.monotonic() + 60
    while True:
        job: dict[str, object] = httpx.get(f"{server.url}/api/jobs/{job_id}").json()
        if job["state"] in until or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_a_killed_workers_job_is_run_again_by_another_worker_within_a_lease(
    live: LiveServer,
) -> None:
    """While its worker lives, a job keeps its lease however long it runs; once the worker is
    killed, another takes the job over about one lease later (seconds, not ten minutes)."""
    import subprocess
    import sys

    lease = 1.0
    env = {**live.env, "MLHIVE_DATA_DIR": str(live.data_dir), "MLHIVE_JOB_LEASE_SECONDS": "1"}
    live.start("--workers", "0")
    created = httpx.post(
        f"{live.url}/api/datasets",
        headers=live.headers,
        files={"file": ("d.csv", _csv(300))},
        data={"metadata": json.dumps({"name": "orphan", "default_target_attribute": "group"})},
    ).json()
    stalled = subprocess.Popen(
        [sys.executable, "-m", "tests.live.stalling_worker"], env=env, cwd=ROOT
    )
    healthy = None
    try:
        assert _job_state(live, created["job_id"], {"running"})["state"] == "running"
        healthy = subprocess.Popen(
            [sys.executable, "-m", "mlhive.cli.main", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(3 * lease)  # three leases: the stalled worker's heartbeats keep the job
        job = httpx.get(f"{live.url}/api/jobs/{created['job_id']}").json()
        assert (job["state"], job["attempts"]) == ("running", 1)
        stalled.kill()  # SIGKILL, mid-job
        stalled.wait(timeout=30)
        job = _job_state(live, created["job_id"], {"done", "failed"})
        assert (job["state"], job["attempts"]) == ("done", 2), job
    finally:
        for process in (stalled, healthy):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
    assert httpx.get(f"{live.url}/api/datasets/{created['id']}").json()["status"] == "active"
