"""Path traversal over real HTTP: every path (and query) parameter that reaches storage is fed
``../`` in its spellings (plain, percent-encoded, double-encoded, backslashes), absolute paths
and NUL bytes, on a real ``mlhive serve``. Each answer must be a 4xx, and none may carry a
marker file kept next to the data folder, the database file, or ``/etc/passwd``.

The requests go out through :mod:`http.client`, which sends the path as given (an HTTP library
would collapse the ``..`` segments before they ever reach the server).
"""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import numpy as np
import pytest

from tests.api.forge import tensors_bytes
from tests.factories import CLASSIFICATION_CSV
from tests.live.conftest import LiveServer, cli

pytestmark = pytest.mark.live

MARKER = "mlhive-traversal-marker-7f3a"
# What would prove a file outside the store was served.
LEAKS = (MARKER, "SQLite format 3", "root:x:0:0")


def _corpus(outside: str) -> list[str]:
    """Hostile values for one path segment or query value, ``outside`` an absolute path."""
    ups = (
        "../",
        "..%2f",
        "..%2F",
        "%2e%2e%2f",
        "%2e%2e/",
        "..%5c",
        "..\\",
        "%252e%252e%252f",
        "....//",
        "..;/",
    )
    # The store lies a level or two inside the data folder, which lies inside the marker's.
    values = [
        up * depth + target
        for up in ups
        for depth in (1, 2, 4)
        for target in ("outside.txt", "mlhive.sqlite3")
    ]
    values += [
        outside,
        outside.replace("/", "%2f"),
        "/etc/passwd",
        "%2fetc%2fpasswd",
        "C:\\Windows\\win.ini",
        "C:%5cWindows%5cwin.ini",
        "model.safetensors%00.txt",
        "%00",
        "%00../../outside.txt",
        "..",
        "%2e%2e",
        ".",
    ]
    return values


@dataclass(frozen=True)
class Made:
    """What the server holds: a dataset, a task on it, a model repository."""

    dataset: int
    task: int
    repo: str


def _wait_done(client: httpx.Client, job: int) -> None:
    deadline = time.monotonic() + 60
    while (state := client.get(f"/api/jobs/{job}").json()["state"]) != "done":
        assert state != "failed" and time.monotonic() < deadline, f"job {job}: {state}"
        time.sleep(0.2)


def _make(live: LiveServer) -> Made:
    with httpx.Client(base_url=live.url, headers=live.headers, timeout=30) as client:
        meta = {"name": "walls", "default_target_attribute": "label"}
        created = client.post(
            "/api/datasets",
            files={"file": ("d.csv", CLASSIFICATION_CSV)},
            data={"metadata": json.dumps(meta)},
        )
        assert created.status_code == 201, created.text
        dataset = int(created.json()["id"])
        _wait_done(client, int(created.json()["job_id"]))
        task = client.post(
            "/api/tasks",
            json={
                "task_type": "supervised_classification",
                "dataset_id": dataset,
                "estimation_procedure_id": 1,
            },
        )
        assert task.status_code in (200, 201), task.text
        assert client.post("/api/models", json={"name": "net"}).status_code == 201
        weights = tensors_bytes({"w": np.arange(4, dtype=np.float32)})
        pushed = client.post(
            "/api/models/admin/net/commits",
            files={"file": ("model.safetensors", weights)},
            data={"metadata": json.dumps({"message": "w"})},
        )
        assert pushed.status_code == 201, pushed.text
        return Made(dataset, int(task.json()["id"]), "admin/net")


def _targets(made: Made) -> dict[str, str | None]:
    """Every route where a path or query value reaches storage (``{x}`` is the hostile
    value), with the honest value that route serves a file for (None: not known here)."""
    d, t, r = made.dataset, made.task, made.repo
    return {
        f"/api/models/{r}/files/{{x}}": "model.safetensors",
        f"/api/models/{r}/files/model.safetensors?ref={{x}}": "main",
        f"/api/models/{r}/commits/{{x}}": "main",
        f"/api/models/{r}/diff?a={{x}}&b=main": "main",
        "/api/models/{x}/net": "admin",
        "/api/models/admin/{x}": "net",
        "/api/models/admin/{x}/files/model.safetensors": "net",
        f"/models/{r}/commits/{{x}}": None,  # a commit id, known only after the push
        "/models/admin/{x}": "net",
        f"/api/datasets/{d}/data?format={{x}}": "csv",
        "/api/datasets/{x}/data": str(d),
        f"/datasets/{d}/download/{{x}}": "csv",
        f"/data/v1/download/{d}/{{x}}": "walls.arff",
        "/data/v1/download/{x}/walls.arff": str(d),
        f"/data/v1/parquet/{d}/{{x}}": f"dataset_{d}.pq",
        f"/data/v1/splits/{t}/{{x}}": f"Task_{t}_splits.arff",
        f"/api/tasks/{t}/splits?format={{x}}": "arff",
        "/static/{x}": "mlhive.css",
        "/static/vendor/{x}": None,
    }


def _get(live: LiveServer, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written, on a connection of its own (a server may close one
    after refusing a request line)."""
    connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {live.admin_key}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Made]]:
    """One server for the module (SQLite in its data folder), with no request budget: a
    429 is a 4xx too, and would hide the answer the test is after."""
    root = tmp_path_factory.mktemp("walls")
    (root / "outside.txt").write_text(MARKER)
    env = {
        **os.environ,
        "MLHIVE_WORKER_POLL_SECONDS": "0.1",
        "MLHIVE_RATE_LIMIT_PER_MINUTE": "0",
        "MLHIVE_RATE_LIMIT_WRITES_PER_MINUTE": "0",
    }
    env.pop("MLHIVE_DATABASE_URL", None)
    live = LiveServer(root / "data", env)
    created = cli(
        "user", "create", "admin", "--admin", "--json", "--data-dir", str(live.data_dir), env=env
    )
    live.admin_key = json.loads(created.stdout)["api_key"]
    live.start()
    try:
        yield live, _make(live)
    finally:
        live.stop()


def test_no_hostile_path_reaches_a_file_outside_the_store(
    served: tuple[LiveServer, Made],
) -> None:
    live, made = served
    outside = str(live.data_dir.parent / "outside.txt")
    wrong = []
    sent = 0
    for target in _targets(made):
        for value in _corpus(outside):
            path = target.replace("{x}", value.replace(" ", "%20"))
            status, body = _get(live, path)
            sent += 1
            text = body.decode("latin-1")
            # A 429 would be a 4xx that proves nothing: the server runs with no budget.
            if not 400 <= status < 500 or status == 429 or any(leak in text for leak in LEAKS):
                wrong.append(f"{status} {path}: {text[:120]!r}")
    assert sent > 1000
    listed = "\n".join(wrong[:60])
    assert not wrong, f"{len(wrong)} of {sent} answers were not a clean refusal:\n{listed}"


def test_the_same_routes_serve_their_own_files(served: tuple[LiveServer, Made]) -> None:
    """The positive control: with honest values every target route answers 200."""
    live, made = served
    statuses = {
        target: _get(live, target.replace("{x}", honest))[0]
        for target, honest in _targets(made).items()
        if honest is not None
    }
    assert set(statuses.values()) == {200}, statuses
