"""Model forge commits that send only what changed: a ~100 MB safetensors checkpoint (50
tensors), committed first, then versions with 10 % of their tensors changed.

Against a real ``mlhive serve`` on loopback (SQLite, local blob store), per version:

- ``client.models.push`` as it is now: the client hashes the file's pieces, opens an upload
  session, PUTs only the pieces the server lacks and commits;
- the same file pushed whole in one request (``POST .../commits``, what the client did before
  and what an older client still does), into a second repository of the same server;

next to the anchor measured in the same run, when MLflow is installed (the ``bench`` extra) or
``--mlflow-python`` names an interpreter that has it (MLflow wants an older pyarrow than the
lock's): ``mlflow.log_artifact`` of the same file, inside a run, sent to an ``mlflow server``
on loopback that stores the artifacts it is sent (SQLite tracking store, artifacts proxied to
a local folder): a server receiving the file over HTTP, as mlhive's does. Aim: a 10 %-changed
commit <= 0.3x MLflow's time. MLflow's client logging into a local folder with no server (a
plain copy, no fsync) is printed too, for scale.

Prints wall times (median over the versions), bytes sent on the wire (request bodies, counted
by an httpx event hook) and the ratios. git-theta is reported as installed or not (it needs git
and git-lfs in a repository; it is not timed when missing).

Usage: python benchmarks/bench_commit_delta.py [--versions 3] [--mb 100] [--tensors 50]
       [--mlflow-python PATH] [--git-theta-bin DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from _live import live_server
from safetensors.numpy import save_file

import mlhive


class Wire:
    """Bytes of request bodies sent, as httpx builds them."""

    def __init__(self) -> None:
        self.sent = 0

    def __call__(self, request: httpx.Request) -> None:
        declared = request.headers.get("content-length")
        self.sent += len(request.content) if hasattr(request, "_content") else int(declared or 0)


def versions(folder: Path, n: int, mb: int, tensors: int) -> list[Path]:
    """A checkpoint and ``n`` versions, each with 10 % of its tensors changed."""
    rng = np.random.default_rng(0)
    size = mb * 1024**2 // tensors // 4
    state = {
        f"layer{i:02d}.weight": rng.normal(size=size).astype(np.float32) for i in range(tensors)
    }
    paths = []
    names = sorted(state)
    per_version = max(1, tensors // 10)
    for v in range(n + 1):
        if v:
            for name in rng.choice(names, per_version, replace=False):
                state[name] = state[name] + np.float32(0.01)
        path = folder / f"v{v}.safetensors"
        save_file(state, str(path))
        paths.append(path)
    return paths


def push_whole(url: str, key: str, repo: str, path: Path, wire: Wire) -> float:
    """The single-request push of a whole file; seconds."""
    with httpx.Client(base_url=url, timeout=600, event_hooks={"request": [wire]}) as http:
        started = time.perf_counter()
        with path.open("rb") as handle:
            answer = http.post(
                f"/api/models/{repo}/commits",
                files={"file": (path.name, handle, "application/octet-stream")},
                data={"metadata": json.dumps({"message": path.stem})},
                headers={"Authorization": f"Bearer {key}"},
            )
        elapsed = time.perf_counter() - started
    answer.raise_for_status()
    return elapsed


MLFLOW_ARTIFACTS = """
import json, socket, subprocess, sys, time, urllib.request
import mlflow
mode, folder, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
server = None
if mode == "server":  # an MLflow tracking server that stores artifacts it is sent over HTTP
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--backend-store-uri", f"sqlite:///{folder}/mlflow.db",
         "--artifacts-destination", f"{folder}/artifacts"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the MLflow server did not start")
            time.sleep(0.2)
    mlflow.set_tracking_uri(url)
    experiment = mlflow.create_experiment("bench")
else:  # the local client alone: a plain copy into a folder, no server
    mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
    experiment = mlflow.create_experiment("bench", artifact_location=f"file://{folder}/artifacts")
seconds = []
try:
    with mlflow.start_run(experiment_id=experiment):
        for path in paths:
            started = time.perf_counter()
            mlflow.log_artifact(path, artifact_path=path.rsplit("/", 1)[-1].split(".")[0])
            seconds.append(time.perf_counter() - started)
finally:
    if server is not None:
        server.terminate()
        server.wait()
print(json.dumps(seconds))
"""


def mlflow_times(
    python: str | None, mode: str, folder: Path, paths: list[Path]
) -> list[float] | None:
    """Seconds of ``log_artifact`` per file, in this interpreter or ``python``; ``mode`` is
    ``server`` (sent to an ``mlflow server`` on loopback) or ``local`` (copied to a folder)."""
    interpreter = python
    if interpreter is None:
        try:
            import mlflow  # noqa: F401
        except ImportError:
            return None
        import sys

        interpreter = sys.executable
    folder.mkdir()
    done = subprocess.run(
        [interpreter, "-c", MLFLOW_ARTIFACTS, mode, str(folder), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    found: list[float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def git_theta(bindir: str | None) -> str:
    """Whether git-theta can be timed here (it stores parameter groups through git-lfs)."""
    found = shutil.which("git-theta", path=bindir)
    if found is None:
        return "not installed (pip install git-theta into a venv; --git-theta-bin its bin folder)"
    if shutil.which("git-lfs") is None:
        return f"installed ({found}), but it needs git-lfs, which is missing here: not timed"
    return f"installed ({found}) with git-lfs: not timed by this benchmark yet"


def mib(n: int) -> str:
    return f"{n / 1024**2:8.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--tensors", type=int, default=50)
    parser.add_argument("--mlflow-python", help="a Python interpreter with MLflow installed")
    parser.add_argument("--git-theta-bin", help="the bin folder of a venv with git-theta")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "files").mkdir()
        paths = versions(tmp / "files", args.versions, args.mb, args.tensors)
        with live_server(tmp / "hive") as (url, key):
            wire = Wire()
            http = httpx.Client(base_url=url, timeout=600, event_hooks={"request": [wire]})
            client = mlhive.Client(url, key, http_client=http)
            me = client.models.create("pieces").full_name.split("/")[0]
            client.models.create("whole")
            timings: dict[str, list[float]] = {"pieces": [], "whole": []}
            sent: dict[str, list[int]] = {"pieces": [], "whole": []}
            for path in paths:
                wire.sent = 0
                started = time.perf_counter()
                client.models.push(f"{me}/pieces", path, message=path.stem)
                timings["pieces"].append(time.perf_counter() - started)
                sent["pieces"].append(wire.sent)
                wire.sent = 0
                timings["whole"].append(push_whole(url, key, f"{me}/whole", path, wire))
                sent["whole"].append(wire.sent)
            http.close()
        anchor = mlflow_times(args.mlflow_python, "server", tmp / "mlflow-server", paths)
        local = mlflow_times(args.mlflow_python, "local", tmp / "mlflow-local", paths)

    print(
        f"{args.mb} MB safetensors checkpoint, {args.tensors} tensors; "
        f"{args.versions} versions with 10 % of tensors changed (median)"
    )
    print(f"{'':50} {'seconds':>8} {'sent':>12}  vs MLflow")
    mlflow_first = anchor[0] if anchor else None
    mlflow_next = statistics.median(anchor[1:]) if anchor else None

    def row(name: str, seconds: float, nbytes: int | None, versus: float | None) -> None:
        ratio = f"{seconds / versus:6.2f}x" if versus else "     -"
        shown = mib(nbytes) if nbytes is not None else " " * 12
        print(f"{name:50} {seconds:8.3f} {shown}  {ratio}")

    row("first commit, pieces (client.models.push)", timings["pieces"][0], sent["pieces"][0],
        mlflow_first)  # fmt: skip
    row("first commit, whole file in one request", timings["whole"][0], sent["whole"][0],
        mlflow_first)  # fmt: skip
    row("10 %-changed commit, pieces", statistics.median(timings["pieces"][1:]),
        int(statistics.median(sent["pieces"][1:])), mlflow_next)  # fmt: skip
    row("10 %-changed commit, whole file", statistics.median(timings["whole"][1:]),
        int(statistics.median(sent["whole"][1:])), mlflow_next)  # fmt: skip
    if anchor and local:
        row("MLflow log_artifact to its server, first (anchor)", anchor[0], None, mlflow_first)
        row("MLflow log_artifact to its server, next (anchor)", mlflow_next or 0.0, None,
            mlflow_next)  # fmt: skip
        row("MLflow log_artifact, local folder, first", local[0], None, mlflow_first)
        row("MLflow log_artifact, local folder, next", statistics.median(local[1:]), None,
            mlflow_next)  # fmt: skip
    else:
        print("MLflow: not installed (pip install '.[bench]' or --mlflow-python)")
    print(f"git-theta: {git_theta(args.git_theta_bin)}")


if __name__ == "__main__":
    main()
