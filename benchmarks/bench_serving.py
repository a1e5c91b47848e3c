"""One-row predictions through an mlhive deployment vs MLflow's scoring server and the model
called directly.

Two scikit-learn models fitted on 8 numeric columns: a pipeline (scaler + logistic regression)
and a 100-tree random forest. Each is pushed twice, as skops (served by the estimator) and as
its ONNX export (served by onnxruntime), promoted to ``@production`` and deployed; then
one-row ``POST /api/deployments/{name}/predict`` calls are timed

- through the app in process (Starlette's TestClient: routing, validation, the alias lookup in
  SQLite, the input checks and the model, no sockets), and
- through a real ``mlhive serve`` process on loopback (one worker, keep-alive connection),
- through ``mlhive serve-models --workers 1`` on the same data (the deployments-only server),
- through ``mlflow models serve --env-manager local`` of the same estimator (one worker,
  its ``/invocations`` with a ``dataframe_split`` row), when MLflow is installed (the
  ``bench`` extra) or ``--mlflow-python`` names an interpreter that has it,

next to the anchors measured in the same run: ``estimator.predict`` on a one-row DataFrame
(what the deployment calls), and the model's ONNX export run by onnxruntime on a float32 row
(the physical limit of a served tabular model).

Prints p50/p99 latency in milliseconds and calls per second (sequential, one caller, so calls
per second is per worker), and each path's throughput as a multiple of MLflow's. Then the
throughput of one worker kept busy: ``--connections`` keep-alive callers each send their next
call as soon as the last is answered, for ``--seconds`` (a small asyncio load generator in
this process, on the other core), for ``mlhive serve-models --workers 1`` and for MLflow's
one-worker server; a call that is not answered 200 counts as an error.

Usage: python benchmarks/bench_serving.py [--calls 2000] [--connections 8] [--seconds 5]
       [--mlflow-python PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import skops.io as sio
from _live import WORK, Load, free_port, live_server, saturated
from fastapi.testclient import TestClient
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.db.engine import transaction
from mlhive.server.services import accounts

COLUMNS = [f"f{i}" for i in range(8)]
AIM_P50_MS = 1.0


def training_data() -> tuple[pd.DataFrame, np.ndarray[Any, Any]]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(2000, len(COLUMNS))), columns=COLUMNS)
    labels = np.where(frame.f0 + frame.f1 * frame.f2 > 0, "yes", "no")
    return frame, labels


def models() -> dict[str, Any]:
    X, y = training_data()
    return {
        "scaler-logreg": make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y),
        "forest-100": RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y),
    }


def timed(call: Callable[[], object], n: int) -> list[float]:
    """Milliseconds of ``n`` sequential calls (after 50 warm-up calls)."""
    for _ in range(50):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float, float]:
    """p50, p99 (ms) and calls per second."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99, 1000 * len(samples) / sum(samples)


def model_file(model: Any) -> tuple[str, bytes]:
    """A pushable file: skops for an estimator, the bytes as they are for an ONNX model."""
    if isinstance(model, bytes):
        return "model.onnx", model
    return "model.skops", sio.dumps(model)


def deploy(http: httpx.Client | TestClient, headers: dict[str, str], name: str, model: Any) -> None:
    """Push ``model`` to a new repository, promote it and deploy ``@production``."""
    made = http.post("/api/models", json={"name": name}, headers=headers)
    made.raise_for_status()
    owner = made.json()["owner"]
    pushed = http.post(
        f"/api/models/{owner}/{name}/commits",
        files={"file": model_file(model)},
        data={"metadata": json.dumps({"message": "bench"})},
        headers=headers,
    )
    pushed.raise_for_status()
    alias = f"/api/models/{owner}/{name}/aliases/production"
    http.post(alias, json={"commit": pushed.json()["id"]}, headers=headers).raise_for_status()
    spec = {"name": name, "repo": f"{owner}/{name}", "alias": "production"}
    http.post("/api/deployments", json=spec, headers=headers).raise_for_status()


def exported(model: Any, row: pd.DataFrame) -> bytes:
    """The model's ONNX export (one float input ``X``, no ZipMap), as the forge makes it."""
    from skl2onnx import to_onnx

    data: bytes = to_onnx(
        model, row.to_numpy(np.float32), options={"zipmap": False}, target_opset=17
    ).SerializeToString()
    return data


def onnx_call(model: Any, row: pd.DataFrame) -> Callable[[], object]:
    import onnxruntime as ort

    session = ort.InferenceSession(exported(model, row), providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: row.to_numpy(np.float32)}
    return lambda: session.run(None, feed)


Served = dict[str, tuple[Any, dict[str, Any]]]  # deployment -> (model or ONNX bytes, body)
Timings = dict[str, list[float]]


def in_process(folder: Path, served: Served, n: int) -> Timings:
    settings = Settings(
        data_dir=folder,
        worker="off",
        rate_limit_per_minute=0,
        rate_limit_writes_per_minute=0,
        trusted_hosts="testserver",
    )
    app = create_app(settings)
    results = {}
    with TestClient(app) as http:
        hive = app.state.hive
        with transaction(hive.sessions) as session:
            user = accounts.create_user(session, "bench", is_admin=False)
            _, key = accounts.issue_key(session, user)
        headers = {"Authorization": f"Bearer {key}"}
        for name, (model, body) in served.items():
            deploy(http, headers, name, model)
            url = f"/api/deployments/{name}/predict"
            http.post(url, json=body, headers=headers).raise_for_status()
            results[name] = timed(
                lambda url=url, body=body: http.post(url, json=body, headers=headers), n
            )
    app.state.hive.engine.dispose()
    return results


def wait_until_up(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    for _ in range(1200):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not start")


@contextlib.contextmanager
def serve_models(folder: Path, env: dict[str, str]) -> Any:
    """``mlhive serve-models --workers 1`` on ``folder``; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "mlhive.cli.main", "serve-models", "--port", str(port)),
            *("--workers", "1", "--data-dir", str(folder)),
        ],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/api/health", process, "mlhive serve-models")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)


def loopback(
    folder: Path, served: Served, n: int, busy: tuple[int, float]
) -> tuple[dict[str, Timings], dict[str, Load]]:
    env = {"MLHIVE_RATE_LIMIT_PER_MINUTE": "0", "MLHIVE_RATE_LIMIT_WRITES_PER_MINUTE": "0"}
    results: dict[str, Timings] = {"loopback": {}, "serve-models": {}}
    loads: dict[str, Load] = {}
    with (
        live_server(folder, env=env) as (url, key),
        httpx.Client(base_url=url, timeout=300) as http,
    ):
        headers = {"Authorization": f"Bearer {key}"}
        for name, (model, body) in served.items():
            deploy(http, headers, name, model)
            path = f"/api/deployments/{name}/predict"
            http.post(path, json=body, headers=headers).raise_for_status()
            results["loopback"][name] = timed(
                lambda path=path, body=body: http.post(path, json=body, headers=headers), n
            )
        with serve_models(folder, env) as models_url, httpx.Client(base_url=models_url) as fast:
            for name, (_, body) in served.items():
                path = f"/api/deployments/{name}/predict"
                fast.post(path, json=body, headers=headers).raise_for_status()
                results["serve-models"][name] = timed(
                    lambda path=path, body=body: fast.post(path, json=body, headers=headers), n
                )
                loads[name] = saturated(models_url, path, body, headers, *busy)
    return results, loads


SAVE_MLFLOW_MODEL = """
import sys, skops.io as sio, mlflow.sklearn
trusted = sio.get_untrusted_types(file=sys.argv[1])  # the benchmark's own model
mlflow.sklearn.save_model(sio.load(sys.argv[1], trusted=trusted), sys.argv[2],
                          skops_trusted_types=trusted)
"""


def mlflow_interpreter(given: str | None) -> str | None:
    """A Python that has MLflow: ``given``, else this one if it has it, else none."""
    if given:
        return given
    return sys.executable if importlib.util.find_spec("mlflow") is not None else None


def mlflow_timings(
    python: str, folder: Path, model: Any, row: pd.DataFrame, n: int, busy: tuple[int, float]
) -> tuple[list[float], Load]:
    """One-row ``/invocations`` calls of ``mlflow models serve`` serving ``model``: one at a
    time, then kept busy."""
    folder.mkdir(parents=True)
    skops_file = folder / "model.skops"
    skops_file.write_bytes(sio.dumps(model))  # our own model, written just now
    saved = folder / "mlflow-model"
    subprocess.run([python, "-c", SAVE_MLFLOW_MODEL, str(skops_file), str(saved)], check=True)
    port = free_port()
    mlflow = str(Path(python).parent / "mlflow")
    process = subprocess.Popen(
        [
            *(mlflow, "models", "serve", "-m", str(saved), "--env-manager", "local"),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
        ],
        # It starts ``uvicorn`` from PATH: the one beside that interpreter.
        env={**os.environ, "PATH": f"{Path(python).parent}{os.pathsep}{os.environ['PATH']}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    body = {"dataframe_split": {"columns": COLUMNS, "data": row.to_numpy().tolist()}}
    try:
        wait_until_up(f"{url}/ping", process, "mlflow models serve")
        with httpx.Client(base_url=url, timeout=300) as http:
            http.post("/invocations", json=body).raise_for_status()
            one_at_a_time = timed(lambda: http.post("/invocations", json=body), n)
        return one_at_a_time, saturated(url, "/invocations", body, {}, *busy)
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--mlflow-python", help="a Python interpreter with MLflow installed")
    args = parser.parse_args()
    busy = (args.connections, args.seconds)
    mlflow_python = mlflow_interpreter(args.mlflow_python)
    fitted = models()
    row = training_data()[0].iloc[:1]
    rows = {"rows": [{c: float(row[c].iloc[0]) for c in COLUMNS}]}
    values = {"inputs": [[float(v) for v in row.iloc[0]]]}
    served: Served = {}
    for name, model in fitted.items():
        served[name] = (model, rows)
        served[f"{name}-onnx"] = (exported(model, row), values)
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as scratch:
        measured = {
            name: mlflow_timings(mlflow_python, Path(scratch) / name, model, row, args.calls, busy)
            for name, model in fitted.items()
            if mlflow_python is not None
        }
        mlflow = {name: found[0] for name, found in measured.items()}
        live, loads = loopback(Path(scratch) / "live", served, args.calls, busy)
        timings = {"in process": in_process(Path(scratch) / "app", served, args.calls), **live}
    header = f"{'model':<14} {'path':<44} {'p50 ms':>8} {'p99 ms':>8} {'calls/s':>9}"
    lines = [header + f" {'x MLflow':>9}"]
    for name, model in fitted.items():
        paths = {}
        if name in mlflow:
            paths["mlflow models serve (1 worker)"] = mlflow[name]
        for where, found in timings.items():
            paths[f"deployment {where}, skops commit"] = found[name]
            paths[f"deployment {where}, ONNX commit"] = found[f"{name}-onnx"]
        paths["estimator.predict (DataFrame row)"] = timed(
            lambda model=model: model.predict(row), args.calls
        )
        paths["onnxruntime session.run"] = timed(onnx_call(model, row), args.calls)
        anchor = summary(mlflow[name])[2] if name in mlflow else None
        for path, samples in paths.items():
            p50, p99, rate = summary(samples)
            ratio = f"{rate / anchor:>9.1f}" if anchor else f"{'-':>9}"
            lines.append(f"{name:<14} {path:<44} {p50:>8.3f} {p99:>8.3f} {rate:>9.0f} {ratio}")
    lines.append("")
    lines.append(
        f"one worker kept busy ({args.connections} connections, {args.seconds:g} s): calls/s"
    )
    for name in fitted:
        for path, load in (
            ("mlflow models serve (1 worker)", measured[name][1] if name in measured else None),
            ("serve-models --workers 1, skops commit", loads[name]),
            ("serve-models --workers 1, ONNX commit", loads[f"{name}-onnx"]),
        ):
            if load is None:
                continue
            anchor_load = measured[name][1].per_second if name in measured else None
            ratio = f"{load.per_second / anchor_load:>9.1f}" if anchor_load else f"{'-':>9}"
            lines.append(
                f"{name:<14} {path:<44} {load.per_second:>9.0f} {ratio} ({load.errors} not 200)"
            )
    print("\n".join(lines))
    if not mlflow:
        print("(MLflow is not installed: pip install 'mlhive[bench]' or pass --mlflow-python)")
    print(
        f"(aim from the issue: p50 <= {AIM_P50_MS} ms through a deployment and >= 20x MLflow's "
        "calls per second per worker)"
    )


if __name__ == "__main__":
    main()
