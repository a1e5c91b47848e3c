"""One-row predictions through an mlhive deployment vs calling the estimator directly.

Two scikit-learn models fitted on 8 numeric columns: a pipeline (scaler + logistic regression)
and a 100-tree random forest. Each is pushed twice, as skops (served by the estimator) and as
its ONNX export (served by onnxruntime), promoted to ``@production`` and deployed; then
one-row ``POST /api/deployments/{name}/predict`` calls are timed

- through the app in process (Starlette's TestClient: routing, validation, the alias lookup in
  SQLite, the input checks and the model, no sockets), and
- through a real ``mlhive serve`` process on loopback (one worker, keep-alive connection),

next to the anchors measured in the same run: ``estimator.predict`` on a one-row DataFrame
(what the deployment calls), and the model's ONNX export run by onnxruntime on a float32 row
(the physical limit of a served tabular model).

Prints p50/p99 latency in milliseconds and calls per second (sequential, one caller).

Usage: python benchmarks/bench_serving.py [--calls 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import skops.io as sio
from _live import WORK, live_server
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


def loopback(folder: Path, served: Served, n: int) -> Timings:
    env = {"MLHIVE_RATE_LIMIT_PER_MINUTE": "0", "MLHIVE_RATE_LIMIT_WRITES_PER_MINUTE": "0"}
    results = {}
    with (
        live_server(folder, env=env) as (url, key),
        httpx.Client(base_url=url, timeout=300) as http,
    ):
        headers = {"Authorization": f"Bearer {key}"}
        for name, (model, body) in served.items():
            deploy(http, headers, name, model)
            path = f"/api/deployments/{name}/predict"
            http.post(path, json=body, headers=headers).raise_for_status()
            results[name] = timed(
                lambda path=path, body=body: http.post(path, json=body, headers=headers), n
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
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
        timings = {
            "in process": in_process(Path(scratch) / "app", served, args.calls),
            "loopback": loopback(Path(scratch) / "live", served, args.calls),
        }
    lines = [f"{'model':<14} {'path':<40} {'p50 ms':>8} {'p99 ms':>8} {'calls/s':>9}"]
    for name, model in fitted.items():
        paths = {}
        for where, found in timings.items():
            paths[f"deployment {where}, skops commit"] = found[name]
            paths[f"deployment {where}, ONNX commit"] = found[f"{name}-onnx"]
        paths["estimator.predict (DataFrame row)"] = timed(
            lambda model=model: model.predict(row), args.calls
        )
        paths["onnxruntime session.run"] = timed(onnx_call(model, row), args.calls)
        for path, samples in paths.items():
            p50, p99, rate = summary(samples)
            lines.append(f"{name:<14} {path:<40} {p50:>8.3f} {p99:>8.3f} {rate:>9.0f}")
    print("\n".join(lines))
    print(f"(aim from the issue: p50 <= {AIM_P50_MS} ms through a deployment)")


if __name__ == "__main__":
    main()
