"""One small run end to end: upload its predictions, the server scores them, the client sees it.

Against a real ``mlhive serve`` on loopback (SQLite, its in-process worker), on a 150-row
classification task with 10 folds, each round uploads one run's predictions with
``client.runs.upload`` and waits for the server's evaluations:

- ``run.wait()`` as the client does it: a long poll that the server answers as soon as the
  evaluation job ends (the worker itself is woken by the upload, not by its next poll);
- the same upload, then ``GET /api/runs/{id}`` every 0.5 s until evaluated (how the client
  waited before: the scores wait for the next poll);

next to the anchor measured in the same run, when MLflow is installed (the ``bench`` extra) or
``--mlflow-python`` names an interpreter that has it (MLflow wants an older pyarrow than the
lock's): ``mlflow.start_run`` + ``log_metric`` + ``end_run`` on a local SQLite tracking store,
bare logging with no evaluation at all. Aim: <= 1.5x MLflow, although mlhive also evaluates.

Usage: python benchmarks/bench_run_roundtrip.py [--rounds 20] [--mlflow-python PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pandas as pd
from _live import live_server, percentiles
from sklearn.datasets import load_iris

import mlhive


def predictions(task: mlhive.Task) -> pd.DataFrame:
    """A constant classifier's predictions on every fold of ``task``."""
    labels = [str(label) for label in task.class_labels or []]
    parts = []
    for fold in task.iter_folds():
        parts.append(
            pd.DataFrame(
                {
                    "repeat": fold.repeat,
                    "fold": fold.fold,
                    "row_id": fold.test,
                    "prediction": labels[0],
                    **{f"confidence.{c}": float(i == 0) for i, c in enumerate(labels)},
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def polled(client: mlhive.Client, url: str, run_id: int, interval: float = 0.5) -> None:
    while httpx.get(f"{url}/api/runs/{run_id}").json()["state"] == "pending":
        time.sleep(interval)


def mlflow_round(tracking: str) -> float | None:
    try:
        import mlflow
    except ImportError:
        return None
    mlflow.set_tracking_uri(tracking)
    started = time.perf_counter()
    with mlflow.start_run():
        mlflow.log_metric("predictive_accuracy", 0.33)
    return time.perf_counter() - started


MLFLOW_ROUNDS = """
import json, sys, time
import mlflow
mlflow.set_tracking_uri(sys.argv[1])
seconds = []
for i in range(int(sys.argv[2]) + 1):  # the first creates MLflow's tables: not counted
    started = time.perf_counter()
    with mlflow.start_run():
        mlflow.log_metric("predictive_accuracy", 0.33)
    seconds.append(time.perf_counter() - started)
print(json.dumps(seconds[1:]))
"""


def mlflow_elsewhere(python: str, tracking: str, rounds: int) -> list[float]:
    """The anchor's rounds timed by another interpreter that has MLflow."""
    done = subprocess.run(
        [python, "-c", MLFLOW_ROUNDS, tracking, str(rounds)],
        capture_output=True,
        text=True,
        check=True,
    )
    found: list[float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--mlflow-python", help="a Python interpreter with MLflow installed")
    args = parser.parse_args()
    rounds = args.rounds
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp) / "hive") as (url, key):
        client = mlhive.Client(url, key)
        frame = load_iris(as_frame=True).frame
        frame["target"] = frame["target"].astype(str).astype("category")
        dataset = client.datasets.publish(frame, name="roundtrip", target="target")
        client.datasets.wait_processed(dataset.id)
        task = client.tasks.create(dataset.id, "classification")
        table = predictions(task)
        client.runs.upload(task, table, flow="bench.Constant").wait()  # warm-up

        long_poll, polling, mlflow = [], [], []
        tracking = f"sqlite:///{Path(tmp) / 'mlflow.db'}"
        mlflow_round(tracking)  # warm-up: MLflow creates its tables on first use
        for _ in range(rounds):
            started = time.perf_counter()
            client.runs.upload(task, table, flow="bench.Constant").wait()
            long_poll.append(time.perf_counter() - started)
            started = time.perf_counter()
            polled(client, url, client.runs.upload(task, table, flow="bench.Constant").id)
            polling.append(time.perf_counter() - started)
            if (seconds := mlflow_round(tracking)) is not None:
                mlflow.append(seconds)
        if args.mlflow_python and not mlflow:
            mlflow = mlflow_elsewhere(args.mlflow_python, tracking, rounds)

    anchor = percentiles(mlflow)[0] if mlflow else None
    print(f"one run end to end, {rounds} rounds (ms)   p50      p95   vs MLflow p50")
    for name, samples in [
        ("upload + run.wait() (long poll)", long_poll),
        ("upload + GET every 0.5 s", polling),
        ("MLflow start_run + log_metric (anchor)", mlflow),
    ]:
        if not samples:
            print(f"{name:40} not installed (pip install '.[bench]' or --mlflow-python)")
            continue
        p50, p95 = percentiles(samples)
        ratio = f"{p50 / anchor:8.2f}x" if anchor else ""
        print(f"{name:40} {p50 * 1000:7.1f}  {p95 * 1000:7.1f}  {ratio}")


if __name__ == "__main__":
    main()
