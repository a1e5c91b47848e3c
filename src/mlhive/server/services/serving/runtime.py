"""What one server process keeps for serving: loaded models by commit, recent lookups of
deployments and keys (:class:`Recent`), call counts and the monitor of answer times and inputs.

A deployment that follows an alias looks the alias up (at most a second old, and never older
than this process's last write) and takes the model of the commit it names from
:class:`ModelCache`. After a promotion, the first call that sees the
new commit loads it (the old model keeps answering the calls already under way, and stays
cached); every later call finds it loaded. So a promotion swaps a reference and no call fails
or waits on another commit's loading. Models load from safe formats only: skops through the
server's allowlist (:func:`mlhive.server.services.forge.content.load_estimator`), ONNX through
onnxruntime.

:class:`Tally` counts calls in memory, so a prediction never waits for a database write; the
counts reach the deployment's counter row when they are flushed (every ``FLUSH_SECONDS`` by
``http.serving.Flusher``, and at shutdown).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.serving.inputs import Schema, Table
from mlhive.server.services.serving.monitor import Monitor

CACHE_SIZE = 8
"""Models one process keeps loaded (least recently used ones go first)."""
FLUSH_SECONDS = 1.0
LOOKUP_TTL = 1.0
"""Seconds a process answers from what it last read of a deployment and a key, unless it
wrote something since (another process's promotion reaches it at most this late)."""
LOOKUPS_KEPT = 4096


@dataclass(frozen=True)
class Prediction:
    """A model's answer for a table of rows."""

    engine: str
    predictions: list[Any]
    classes: list[str] | None = None
    probabilities: list[list[float]] | None = None


class Loaded(Protocol):
    """A model ready to predict, with the schema its inputs are checked against."""

    schema: Schema
    engine: str

    def predict(self, table: Table, probabilities: bool) -> Prediction:
        """Predict every row of ``table`` (and class probabilities when asked and known)."""
        ...


def _plain(values: Any) -> list[Any]:
    """Model output as JSON values (numpy scalars become Python numbers and strings)."""
    array = np.asarray(values)
    if array.ndim > 1 and array.shape[1] == 1:
        array = array.ravel()
    return list(array.tolist())


@dataclass
class EstimatorModel:
    """A scikit-learn estimator loaded through the skops allowlist."""

    estimator: Any
    schema: Schema
    engine: str = "scikit-learn"

    def _features(self, table: Table) -> Any:
        if table.matrix is not None:
            return np.asarray(table.matrix, dtype=np.float64)
        import pandas as pd

        frame = {}
        for name, dtype in self.schema.columns:
            values = table.columns[name]
            numeric = dtype.lower().startswith(("float", "int", "uint", "double"))
            # None is a missing value: NaN in a numeric column, as the estimator was fitted.
            frame[name] = np.asarray(values, dtype=np.float64) if numeric else values
        return pd.DataFrame(frame)

    def predict(self, table: Table, probabilities: bool) -> Prediction:
        features = self._features(table)
        try:
            labels = _plain(self.estimator.predict(features))
            if not probabilities:
                return Prediction(self.engine, labels)
            if not hasattr(self.estimator, "predict_proba"):
                raise InvalidInput(
                    "probabilities: this model does not give class probabilities; "
                    "ask without 'probabilities'",
                    field="probabilities",
                )
            proba = np.asarray(self.estimator.predict_proba(features), dtype=np.float64)
        except ValueError as exc:  # scikit-learn's word for inputs it cannot take
            raise InvalidInput(f"the model cannot take these inputs: {exc}") from None
        classes = [str(c) for c in getattr(self.estimator, "classes_", [])]
        return Prediction(self.engine, labels, classes or None, proba.tolist())


@dataclass
class OnnxModel:
    """An ONNX model run by onnxruntime: one float input ``X`` or one input per column."""

    session: Any
    schema: Schema
    names: list[str]
    classes: list[str] | None = None
    engine: str = "onnxruntime"

    def _feeds(self, table: Table) -> dict[str, Any]:
        if table.matrix is not None:
            return {self.names[0]: np.asarray(table.matrix, dtype=np.float32)}
        declared = dict(self.schema.columns)
        if not all(name in declared for name in self.names):
            # One float input for every column, in the schema's order (skl2onnx's ``X``).
            matrix = np.column_stack([table.columns[n] for n in self.schema.names])
            return {self.names[0]: matrix.astype(np.float32)}
        feeds = {}
        for name in self.names:
            values = table.columns[name]
            if declared[name].lower().startswith(("float", "int", "uint", "double")):
                feeds[name] = np.asarray(values, dtype=np.float32).reshape(-1, 1)
            else:  # text as the export was checked with it: str() of every value
                feeds[name] = np.asarray([str(v) for v in values], dtype=object).reshape(-1, 1)
        return feeds

    def predict(self, table: Table, probabilities: bool) -> Prediction:
        try:
            outputs = self.session.run(None, self._feeds(table))
        except Exception as exc:  # onnxruntime's errors have no common base
            raise InvalidInput(f"the model cannot take these inputs: {exc}") from None
        labels = _plain(outputs[0])
        if not probabilities:
            return Prediction(self.engine, labels)
        if len(outputs) < 2:
            raise InvalidInput(
                "probabilities: this model does not give class probabilities; "
                "ask without 'probabilities'",
                field="probabilities",
            )
        proba = np.asarray(outputs[1], dtype=np.float64)
        return Prediction(self.engine, labels, self.classes, proba.tolist())


class ModelCache:
    """Loaded models by commit id, the least recently used dropped beyond ``capacity``.

    Each commit loads once even when many calls ask for it at the same time; calls for a
    commit already loaded never wait for another commit's loading.
    """

    def __init__(self, capacity: int = CACHE_SIZE) -> None:
        self.capacity = capacity
        self._models: OrderedDict[str, Loaded] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def get(self, key: str, load: Callable[[], Loaded]) -> Loaded:
        """The model cached under ``key``, loaded by ``load`` on first use."""
        with self._lock:
            model = self._models.get(key)
            if model is not None:
                self._models.move_to_end(key)
                return model
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                model = self._models.get(key)
            if model is None:
                model = load()
                with self._lock:
                    self._models[key] = model
                    while len(self._models) > self.capacity:
                        self._models.popitem(last=False)
            with self._lock:
                self._loading.pop(key, None)
            return model

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._models


@dataclass
class Tally:
    """Calls and failed calls per deployment id, not yet written to the database."""

    _counts: dict[int, list[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _flushed_at: float = field(default_factory=time.monotonic)

    def add(self, deployment_id: int, *, failed: bool) -> None:
        """Count one call (and one failure, if it failed)."""
        with self._lock:
            counts = self._counts.setdefault(deployment_id, [0, 0])
            counts[0] += 1
            counts[1] += int(failed)

    def due(self) -> bool:
        """Whether counts are waiting and the last flush is ``FLUSH_SECONDS`` old."""
        with self._lock:
            return bool(self._counts) and time.monotonic() - self._flushed_at >= FLUSH_SECONDS

    def take(self) -> dict[int, tuple[int, int]]:
        """The waiting counts, ``{deployment id: (calls, failures)}``; the tally restarts."""
        with self._lock:
            taken = {k: (v[0], v[1]) for k, v in self._counts.items()}
            self._counts.clear()
            self._flushed_at = time.monotonic()
            return taken

    def pending(self, deployment_id: int) -> tuple[int, int]:
        """Calls and failures of a deployment counted here and not written yet."""
        with self._lock:
            counts = self._counts.get(deployment_id, [0, 0])
            return counts[0], counts[1]

    def give_back(self, counts: dict[int, tuple[int, int]]) -> None:
        """Return counts a flush could not write, to be written with the next one."""
        with self._lock:
            for key, (calls, failures) in counts.items():
                waiting = self._counts.setdefault(key, [0, 0])
                waiting[0] += calls
                waiting[1] += failures


class Recent:
    """Answers of lookups kept for at most ``ttl`` seconds, forgotten at once when this
    process writes anything (:meth:`invalidate`, called after every write transaction).

    A lookup records the generation it started in; an answer read before a write committed
    is never kept past that write, even when it is stored after it.
    """

    def __init__(self, ttl: float = LOOKUP_TTL, capacity: int = LOOKUPS_KEPT) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._entries: OrderedDict[Any, tuple[float, int, Any]] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        return self._generation

    def get(self, key: Any) -> Any | None:
        """The answer kept for ``key``, or None when there is none or it is too old."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, generation, value = entry
            if generation != self._generation or now - stored_at >= self.ttl:
                del self._entries[key]
                return None
            return value

    def put(self, key: Any, value: Any, generation: int) -> None:
        """Keep ``value`` for ``key`` as read in ``generation`` (dropped if a write came since)."""
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = (time.monotonic(), generation, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def invalidate(self) -> None:
        """Forget every answer: something may have changed."""
        with self._lock:
            self._generation += 1
            self._entries.clear()


@dataclass
class Serving:
    """One process's serving state: the model cache, recent lookups of deployments and keys,
    the call tally and the monitor of answer times and inputs."""

    models: ModelCache = field(default_factory=ModelCache)
    tally: Tally = field(default_factory=Tally)
    monitor: Monitor = field(default_factory=Monitor)
    lookups: Recent = field(default_factory=Recent)
    # Held while counts are written and while they are read, so a reader never sees calls
    # taken from memory and not yet committed (nor both in memory and stored).
    counting: threading.RLock = field(default_factory=threading.RLock)
