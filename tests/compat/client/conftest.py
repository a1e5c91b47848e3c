"""The real openml-python client against a live ``mlhive serve``.

These tests run in their own virtual environment (``make test-compat``: openml 0.15.1 with
the scikit-learn/pandas versions it supports), which has no mlhive: the server runs with
mlhive's Python, named by ``MLHIVE_PYTHON``. With ``MLHIVE_TEST_DATABASE_URL`` set, the server
uses a PostgreSQL database of that name plus ``_compat``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
if importlib.util.find_spec("openml") is None:  # the main environment: not these tests
    collect_ignore_glob = ["*"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    api_key: str
    env: dict[str, str]
    python: str
    database_url: str
    log: Path

    @property
    def openml_url(self) -> str:
        return f"{self.url}/api/v1/xml"

    def helper(self, *args: str) -> str:
        """Run the mlhive-side helper script; returns its output."""
        done = subprocess.run(
            [self.python, str(HERE / "mlhive_helper.py"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return done.stdout.strip()

    def native(self, path: str) -> bytes:
        """GET a native API path with the admin key."""
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"Bearer {self.api_key}"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            data: bytes = response.read()
            return data

    def new_user(self, name: str) -> str:
        """Create a user through the native API; returns its key."""
        request = urllib.request.Request(
            f"{self.url}/api/users",
            data=json.dumps({"name": name}).encode(),
            headers={"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return str(json.loads(response.read())["api_key"])


def _database(python: str, env: dict[str, str], data_dir: Path) -> str:
    base = os.environ.get("MLHIVE_TEST_DATABASE_URL", "")
    if not base:
        return f"sqlite:///{data_dir / 'mlhive.sqlite3'}"
    scheme, _, rest = base.rpartition("/")
    url = f"{scheme}/{rest.split('?')[0]}_compat"
    done = subprocess.run(
        [python, str(HERE / "mlhive_helper.py"), "prepare-db", url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    python = os.environ.get("MLHIVE_PYTHON")
    if not python:
        pytest.fail("set MLHIVE_PYTHON to the Python of an environment with mlhive[server]")
    data_dir = tmp_path_factory.mktemp("mlhive")
    env = {**os.environ, "MLHIVE_WORKER_POLL_SECONDS": "0.1"}
    # test_dataset_urls.py serves files on loopback for the server to fetch by URL.
    env["MLHIVE_URL_FETCH_ALLOWED_HOSTS"] = "127.0.0.1"
    env["MLHIVE_DATABASE_URL"] = _database(python, env, data_dir)
    created = subprocess.run(
        [python, "-m", "mlhive.cli.main", "user", "create", "admin", "--admin", "--json",
         "--data-dir", str(data_dir)],
        env=env, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    port = _free_port()
    log = data_dir / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [python, "-m", "mlhive.cli.main", "serve", "--port", str(port),
             "--data-dir", str(data_dir)],
            env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"mlhive serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
    key = json.loads(created.stdout)["api_key"]
    yield Server(url, key, env, python, env["MLHIVE_DATABASE_URL"], log)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session", autouse=True)
def openml_config(server: Server, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point the unmodified client at the live server."""
    import openml

    openml.config.server = server.openml_url
    openml.config.apikey = server.api_key
    openml.config.set_root_cache_directory(str(tmp_path_factory.mktemp("openml-cache")))
    openml.config.avoid_duplicate_runs = True
    openml.config.set_retry_policy("human", 1)
    openml.config.show_progress = False


def wait_until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    """Poll ``check`` until it returns something truthy (the server works in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the server")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def until() -> Callable[..., Any]:
    """:func:`wait_until` as a fixture."""
    return wait_until


def publish_frame(
    frame: Any,
    name: str,
    target: str,
    *,
    tags: list[str] | None = None,
    visibility: str | None = None,
) -> int:
    """Publish a DataFrame with ``openml.datasets.create_dataset`` and wait until it is active."""
    import openml

    dataset = openml.datasets.create_dataset(
        name=name,
        description=f"{name}, uploaded by the compatibility tests",
        creator="mlhive tests",
        contributor=None,
        collection_date="2024",
        language="English",
        licence="CC0",
        attributes="auto",
        data=frame,
        default_target_attribute=target,
        ignore_attribute=None,
        citation="none",
    )
    dataset.tag = tags
    dataset.visibility = visibility
    dataset.publish()
    dataset_id = int(dataset.id)
    wait_until(
        lambda: len(
            openml.datasets.list_datasets(
                data_id=[dataset_id], status="active", output_format="dataframe"
            )
        )
    )
    return dataset_id


@pytest.fixture(scope="session")
def classification_task() -> int:
    """A processed classification dataset and a 10-fold cross-validation task on it."""
    import numpy as np
    import openml
    import pandas as pd

    rng = np.random.default_rng(1)
    x1 = rng.normal(size=150)
    frame = pd.DataFrame(
        {
            "x1": x1,
            "x2": rng.normal(size=150),
            "colour": pd.Categorical(rng.choice(["red", "green", "blue"], size=150)),
            "label": pd.Categorical(np.where(x1 + rng.normal(scale=0.5, size=150) > 0, "a", "b")),
        }
    )
    frame.loc[::17, "x2"] = np.nan
    dataset_id = publish_frame(frame, "compat-classification", "label")
    task = openml.tasks.create_task(
        task_type=openml.tasks.TaskType.SUPERVISED_CLASSIFICATION,
        dataset_id=dataset_id,
        target_name="label",
        estimation_procedure_id=1,
        evaluation_measure="predictive_accuracy",
    )
    task.publish()
    return int(task.id)
