"""One FLAML run for bench_automl.py, in an interpreter that has ``flaml[automl]`` 2.x.

It imports nothing of mlhive (FLAML lives in an environment of its own, so that its
LightGBM and XGBoost never change what mlhive's AutoML space holds). It reads a job written by
the benchmark (features, target, the task's folds), pins itself to one core, runs
``AutoML.fit`` with the budget on the task's own folds (``eval_method="cv"`` with a
``PredefinedSplit``: no reshuffling), and times that call: the search and FLAML's final
retrain on all rows, which is what its budget is meant to cover. Then, outside that time, it
refits the configuration FLAML chose on each fold's training rows and predicts the fold's test
rows, so that both systems are scored by the same code on the same out-of-fold rows.

Usage: python _flaml_child.py JOB.json RESULT.json
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def main(job_file: str, result_file: str) -> None:
    job = json.loads(Path(job_file).read_text(encoding="utf-8"))
    os.sched_setaffinity(0, {int(job["core"])})
    from flaml import AutoML
    from sklearn.model_selection import PredefinedSplit

    warnings.filterwarnings("ignore")
    frame = pd.read_parquet(job["data"])
    target = job["target"]
    y_raw = frame.pop(target)
    classify = job["task"] == "classification"
    classes: list[str] = []
    if classify:  # integer codes, so FLAML keeps the row order and needs no label encoder
        classes = sorted(str(v) for v in y_raw.astype(str).unique())
        y = pd.Series(pd.Categorical(y_raw.astype(str), categories=classes).codes)
    else:
        y = y_raw.astype(float)
    test_fold = np.asarray(job["test_fold"], dtype=int)
    splitter = PredefinedSplit(test_fold)
    automl = AutoML()
    start = time.monotonic()
    automl.fit(
        frame,
        y,
        task=job["task"],
        metric=job["metric"],
        time_budget=float(job["budget"]),
        eval_method="cv",
        split_type=splitter,
        n_jobs=1,
        seed=0,
        verbose=0,
    )
    wall = time.monotonic() - start
    features = automl.preprocess(frame)
    learner = automl._state.learner_classes[automl.best_estimator]
    predictions = np.empty(len(frame), dtype=object if classify else float)
    for train, test in splitter.split(features):
        model = learner(task=automl._state.task, n_jobs=1, **automl.best_config)
        model.fit(features.iloc[train], y.iloc[train])
        guess = np.asarray(model.predict(features.iloc[test])).ravel()
        predictions[test] = [classes[int(g)] for g in guess] if classify else guess
    result = {
        "wall": wall,
        "best_estimator": automl.best_estimator,
        "best_loss": automl.best_loss,
        "row_id": list(range(len(frame))),
        "prediction": [p if classify else float(p) for p in predictions],
    }
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
