"""The per-process model cache loads each commit once, and the tally gives back what it
could not write."""

from __future__ import annotations

import threading
import time

from mlhive.server.domain.serving.inputs import Schema, Table
from mlhive.server.services.serving.runtime import ModelCache, Prediction, Tally


class Fixed:
    """A stand-in model: the cache only stores and returns it."""

    schema = Schema()
    engine = "scikit-learn"

    def __init__(self, label: str) -> None:
        self.label = label

    def predict(self, table: Table, probabilities: bool) -> Prediction:
        return Prediction(self.engine, [self.label] * table.n_rows)


def test_a_commit_loads_once_however_many_calls_ask_at_the_same_time() -> None:
    cache = ModelCache(capacity=2)
    loads: list[str] = []

    def load() -> Fixed:
        loads.append("a")
        time.sleep(0.05)  # a slow load, so the callers overlap
        return Fixed("a")

    found: list[object] = []
    callers = [
        threading.Thread(target=lambda: found.append(cache.get("a", load))) for _ in range(8)
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert loads == ["a"] and len({id(model) for model in found}) == 1


def test_the_least_recently_used_model_goes_first() -> None:
    cache = ModelCache(capacity=2)
    for key in ("a", "b"):
        cache.get(key, lambda key=key: Fixed(key))  # type: ignore[misc]
    cache.get("a", lambda: Fixed("never"))
    cache.get("c", lambda: Fixed("c"))
    assert "a" in cache and "c" in cache and "b" not in cache


def test_counts_a_flush_could_not_write_come_back() -> None:
    tally = Tally()
    tally.add(1, failed=False)
    tally.add(1, failed=True)
    taken = tally.take()
    assert taken == {1: (2, 1)} and tally.take() == {}
    tally.give_back(taken)
    tally.add(1, failed=False)
    assert tally.take() == {1: (3, 1)}
