"""Running one AutoML trial (or the final refit) in a process of its own, under hard limits.

The parent keeps the clock: :class:`ProcessRunner` starts a child (from the fork server of
:mod:`mlhive.server.jobs.bounded`, which has scikit-learn and this module loaded already), waits
at most the trial's timeout for its answer and kills it (SIGKILL) at the deadline. The child
caps its own address space with ``RLIMIT_AS`` before doing anything, so a trial that allocates
beyond the memory limit fails there (a ``MemoryError``, or the child dies) and is recorded as
failed for lack of memory; the server's process is never the one that runs out.

What crosses the process boundary is made by the server: the blob store handle, the task's
spec, the column kinds and a configuration (a dict of numbers and names). The child loads the
task's data itself, builds the pipeline from the configuration, fits it on the task's folds
(on a subsample of each fold's training rows at lower fidelities), scores the predictions with
the server's own measures and sends back the predictions (Parquet bytes), the fold timings and
its score. Nothing a user sent is ever unpickled.

:class:`Runner` is the seam: :class:`DaskRunner` implements the same ``run`` on a Dask cluster
(``MLHIVE_DASK_SCHEDULER``), where each call again runs in a child process of the Dask worker
under the same limits; :func:`runner_for` picks one from the settings, in one place.
"""

from __future__ import annotations

import io
import multiprocessing
import pickle
import resource
import signal
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# Imported here, not where they are used, so that the fork server (which preloads this
# module) has them loaded and a trial process starts in milliseconds.
import sklearn.compose
import sklearn.ensemble
import sklearn.impute
import sklearn.linear_model
import sklearn.neighbors
import sklearn.pipeline
import sklearn.preprocessing  # noqa: F401

from mlhive.server.config import Settings
from mlhive.server.domain.automl import space
from mlhive.server.domain.experiments.metrics import evaluate
from mlhive.server.domain.experiments.predictions import validate_predictions
from mlhive.server.jobs.bounded import child_context
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import tasks
from mlhive.server.services.forge.content import Ingested
from mlhive.server.services.forge.evaluation import TaskSpec, features_and_target, folds_of
from mlhive.server.storage import BlobStore
from mlhive.sklearn import run_on_splits
from mlhive.wire.runs import FoldTiming

Reason = Literal["timeout", "memory", "error"]


@dataclass(frozen=True)
class Finished:
    """What a child returned, with its wall time and peak resident memory (bytes)."""

    value: Any
    seconds: float
    peak_memory: int | None


@dataclass(frozen=True)
class Failed:
    """Why a child gave no result: ``timeout``, ``memory`` or ``error``, said in words."""

    reason: Reason
    message: str
    seconds: float
    peak_memory: int | None


class Runner(Protocol):
    """Runs a module-level function in isolation under a time and a memory limit."""

    @property
    def parallel(self) -> int:
        """How many calls may usefully run at once (one locally; a cluster's threads)."""
        ...

    def run(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        *,
        timeout: float | None,
        memory_limit: int | None,
    ) -> Finished | Failed:
        """``fn(*args)``; killed after ``timeout`` seconds; its address space capped."""
        ...


class ProcessRunner:
    """One child process per call, from the fork server; killed at its deadline."""

    parallel = 1

    def run(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        *,
        timeout: float | None,
        memory_limit: int | None,
    ) -> Finished | Failed:
        context = child_context()
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(
            target=_child, args=(sender, fn, args, memory_limit), name="mlhive-trial", daemon=True
        )
        start = time.monotonic()
        child.start()
        sender.close()
        try:
            if not receiver.poll(timeout):
                peak = _high_water(child.pid)
                return Failed(
                    "timeout",
                    f"stopped at its deadline of {timeout:.1f} s (the job's time budget)",
                    time.monotonic() - start,
                    peak,
                )
            # The bytes are this server's own results, written by the child this call
            # started, over a pipe no one else holds (as multiprocessing itself does).
            outcome = pickle.loads(receiver.recv_bytes())  # noqa: S301
        except EOFError:
            child.join()
            return _died(child.exitcode, memory_limit, time.monotonic() - start)
        finally:
            if child.is_alive():
                child.kill()
            child.join()
            receiver.close()
        kind, value, peak = outcome
        seconds = time.monotonic() - start
        if kind == "ok":
            return Finished(value, seconds, peak)
        reason: Reason = "memory" if kind == "memory" else "error"
        return Failed(reason, str(value), seconds, peak)


class DaskRunner:
    """Each call submitted to a Dask cluster, and run there in a child process of its own.

    A Dask worker cannot stop a task's thread, so the task (:func:`isolated`) runs the call
    through a :class:`ProcessRunner` on the Dask worker: the address-space cap and the kill at
    the deadline hold there exactly as they do locally. The caller keeps its own clock too:
    it waits at most ``timeout`` seconds for the answer (queueing on a busy cluster counts),
    then cancels the task and records a timeout, so a budget is never overrun; the child on
    the worker is killed by its own deadline at the latest.

    What crosses to the cluster is what crosses to a local child (made by the server); the
    blob store must be reachable from the Dask workers (shared storage or S3).
    """

    def __init__(self, address: str) -> None:
        from mlhive.server.jobs.cluster import client_for

        self.address = address
        self.client = client_for(address)

    @property
    def parallel(self) -> int:
        """The cluster's worker threads right now (at least 1)."""
        threads: dict[str, int] = self.client.nthreads()
        return max(1, sum(threads.values()))

    def run(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        *,
        timeout: float | None,
        memory_limit: int | None,
    ) -> Finished | Failed:
        start = time.monotonic()
        try:
            future = self.client.submit(
                isolated, fn, args, timeout, memory_limit, pure=False,
                key=f"mlhive-{fn.__name__}-{uuid.uuid4().hex}",
            )  # fmt: skip
        except Exception as exc:
            return Failed(
                "error", f"the Dask cluster at {self.address} refused it: {exc}", 0.0, None
            )
        try:
            outcome: Finished | Failed = future.result(timeout=timeout)
        except TimeoutError:
            future.cancel()
            message = f"stopped at its deadline of {timeout or 0:.1f} s (the job's time budget)"
            return Failed(
                "timeout", message + " on the Dask cluster", time.monotonic() - start, None
            )
        except Exception as exc:
            future.cancel()
            detail = "".join(traceback.format_exception_only(exc)).strip()
            return Failed(
                "error",
                f"the Dask cluster could not run it: {detail}",
                time.monotonic() - start,
                None,
            )
        return outcome


def isolated(
    fn: Callable[..., Any], args: tuple[Any, ...], timeout: float | None, memory_limit: int | None
) -> Finished | Failed:
    """What a Dask worker runs: ``fn(*args)`` in a child process under the same limits."""
    if multiprocessing.current_process().daemon:
        return Failed(
            "error",
            "this Dask worker runs as a daemonic process, which may not start the child process "
            "a trial runs in: start the Dask workers with DASK_DISTRIBUTED__WORKER__DAEMON=False "
            "(distributed.worker.daemon: false in the Dask configuration)",
            0.0,
            None,
        )
    return ProcessRunner().run(fn, args, timeout=timeout, memory_limit=memory_limit)


def runner_for(settings: Settings) -> Runner:
    """Where trials and suite-run units run: the Dask cluster of ``MLHIVE_DASK_SCHEDULER``,
    else one child process of this worker at a time."""
    if settings.dask_scheduler:
        return DaskRunner(settings.dask_scheduler)
    return ProcessRunner()


def _died(exitcode: int | None, memory_limit: int | None, seconds: float) -> Failed:
    code = exitcode if exitcode is not None else 0
    if code < 0 and memory_limit is not None and -code != signal.SIGKILL:
        how = signal.Signals(-code).name
        message = (
            f"the trial process died ({how}) under the memory limit of {_size(memory_limit)}: "
            "it could not allocate what it needed"
        )
        return Failed("memory", message, seconds, None)
    return Failed("error", f"the trial process died (exit code {code})", seconds, None)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def _high_water(pid: int | None) -> int | None:
    """A live process's peak resident memory from /proc (Linux), in bytes."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _peak() -> int:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS, where this is an overestimate).
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _child(
    sender: Connection, fn: Callable[..., Any], args: tuple[Any, ...], memory_limit: int | None
) -> None:
    answer: tuple[str, Any, int | None]
    try:
        if memory_limit is not None:
            _limit_memory(memory_limit)
        answer = ("ok", fn(*args), _peak())
    except MemoryError as exc:
        detail = str(exc) or "an allocation failed"
        answer = (
            "memory",
            f"out of memory under the limit of {_size(memory_limit or 0)}: {detail}",
            _peak(),
        )
    except Exception as exc:
        last = traceback.format_exception_only(exc)[-1].strip()
        answer = ("error", last, _peak())
    try:
        payload = pickle.dumps(answer)
    except Exception as exc:
        payload = pickle.dumps(("error", f"unpicklable result: {exc}", _peak()))
    sender.send_bytes(payload)
    sender.close()


def _limit_memory(limit: int) -> None:
    """Cap the address space; refuse at once when the process already uses more."""
    with open("/proc/self/status", encoding="ascii") as status:
        size = next(
            (int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:")), 0
        )
    if size >= limit:
        raise MemoryError(
            f"a trial process needs {_size(size)} of address space before it starts; "
            "raise the memory limit"
        )
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# ---------------------------------------------------------------- what a child runs


@dataclass(frozen=True)
class TrialInput:
    """Everything a trial needs, all made by the server (so it may cross to a child)."""

    store: BlobStore
    spec: TaskSpec
    columns: space.Columns
    config: dict[str, Any]
    fraction: float
    seed: int
    metric: str


@dataclass(frozen=True)
class TrialOutput:
    """A fitted-and-predicted trial: its predictions table (Parquet) and its score."""

    predictions: bytes
    timings: list[FoldTiming]
    score: float | None
    share: float = 1.0
    """The share of a core the trial's process had while it fitted (CPU time / wall time,
    at most 1): below 1 on a loaded machine, which slows what follows the search alike."""


def subsample(
    train: np.ndarray, fraction: float, seed: int, key: tuple[int, int, int]
) -> np.ndarray:
    """The same ``fraction`` of a fold's training rows for every trial of a seed (sorted)."""
    if fraction >= 1.0:
        return train
    size = max(1, round(len(train) * fraction))
    rng = np.random.default_rng([seed, *key])
    return np.sort(rng.choice(train, size=size, replace=False))


def run_trial(trial: TrialInput) -> TrialOutput:
    """Fit the configuration on every fold of the task and score it; no database access."""
    wall, cpu = time.perf_counter(), time.process_time()
    features, target = features_and_target(trial.store, trial.spec)
    folds = [
        (r, f, s, subsample(train, trial.fraction, trial.seed, (r, f, s)), test)
        for r, f, s, train, test in folds_of(trial.store, trial.spec)
    ]
    estimator = space.build(trial.config, trial.columns, trial.spec.task_type, trial.seed)
    table, timings = run_on_splits(
        estimator,
        features,
        target,
        folds,
        task_type=trial.spec.task_type,  # type: ignore[arg-type]
        class_labels=trial.spec.class_labels,
        n_jobs=1,
    )
    score = score_table(trial.store, trial.spec, table, trial.metric)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    share = min(1.0, cpu / wall) if wall > 0 and cpu > 0 else 1.0
    return TrialOutput(sink.getvalue(), timings, score, share)


def score_table(store: BlobStore, spec: TaskSpec, table: pa.Table, metric: str) -> float | None:
    """The server's value of ``metric`` for a predictions table, as scoring a run gives."""
    data = load_table(store, spec.data_sha256)
    valid = validate_predictions(
        table,
        load_table(store, spec.splits_sha256),
        task_type=spec.task_type,
        class_labels=spec.class_labels,
        number_of_rows=data.num_rows,
    )
    truth = tasks.truth_of(data, spec.target, spec.class_labels)
    result = evaluate(valid, truth, task_type=spec.task_type, class_labels=spec.class_labels)
    return result.measures[metric].value


@dataclass(frozen=True)
class RefitInput:
    """The final model: member configurations and weights, refitted on every labelled row."""

    store: BlobStore
    spec: TaskSpec
    columns: space.Columns
    members: list[tuple[int, dict[str, Any]]]
    weights: list[float]
    seed: int


def refit(job: RefitInput) -> Ingested:
    """Fit the ensemble on all rows with a target, serialise it with skops and store it in
    the forge's blobs (inspected as any upload is; no database is touched).

    All of it runs in the child, within the deadline of the refit, so what the job does after
    it (recording the commit) is small and bounded.

    Raises:
        InvalidInput: the forge refused the serialised model.
    """
    import tempfile
    from pathlib import Path

    import skops.io as sio  # type: ignore[import-untyped]  # the forge extra

    from mlhive.server.services.forge import content

    features, target = features_and_target(job.store, job.spec)
    estimator = final_estimator(job)
    if target is not None:
        known = target.notna().to_numpy()
        features, target = features[known], target[known]
    estimator.fit(features, target)
    with tempfile.TemporaryDirectory(prefix="mlhive-refit-") as scratch:
        path = Path(scratch) / "model.skops"
        sio.dump(estimator, path)
        return content.ingest(job.store, "skops", path, made_from=estimator)


def final_estimator(job: RefitInput) -> Any:
    """The unfitted final model (a weighted soft vote, or the single member)."""
    members = [
        (f"trial_{number}", space.build(config, job.columns, job.spec.task_type, job.seed))
        for number, config in job.members
    ]
    return space.ensemble_of(members, job.weights, job.spec.task_type)
