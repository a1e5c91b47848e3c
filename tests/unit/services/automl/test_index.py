"""The similar-datasets index refreshes by patching the changed rows only, and answers
readers from the previous snapshot while one request refreshes it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from mlhive.server.db.engine import transaction
from mlhive.server.db.queries.metafeatures import bump_generation, quality_matrix
from mlhive.server.db.tables.datasets import Quality
from mlhive.server.domain.access import Actor
from mlhive.server.domain.datasets.qualities import QUALITY_NAMES
from mlhive.server.services.automl.index import BuiltIndex, MetaIndex
from mlhive.server.services.datasets import catalog
from mlhive.server.wiring import Hive
from tests.factories import CLASSIFICATION_CSV, PEOPLE_CSV, publish

WAIT = 60.0  # seconds a thread may wait for the other before the test fails


def _current(hive: Hive, index: MetaIndex) -> BuiltIndex:
    """The index as a read request sees it (a read-only transaction, like GET /similar)."""
    with transaction(hive.read_sessions) as session:
        return index.current(session)


@contextmanager
def _statements(hive: Hive) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement (with its parameters) run through the engine meanwhile."""
    seen: list[tuple[str, Any]] = []

    def record(_c: object, _cur: object, statement: str, parameters: Any, *_: object) -> None:
        seen.append((statement, parameters))

    event.listen(hive.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(hive.engine, "before_cursor_execute", record)


def _three_processed(hive: Hive, actor: Actor) -> list[int]:
    ids = [
        publish(hive, actor, PEOPLE_CSV, name="people"),
        publish(hive, actor, CLASSIFICATION_CSV, name="points"),
        publish(hive, actor, PEOPLE_CSV.rsplit("\n", 2)[0] + "\n", name="fewer-people"),
    ]
    hive.worker.drain()
    return ids


def test_a_refresh_after_one_new_dataset_reads_only_its_qualities(
    hive: Hive, as_alice: Actor
) -> None:
    old_ids = _three_processed(hive, as_alice)
    index = MetaIndex(refit_fraction=1.0)  # one change in three rows: patch, do not refit
    before = _current(hive, index)
    assert list(before.ids) == old_ids
    new = publish(hive, as_alice, CLASSIFICATION_CSV, name="points-again")
    hive.worker.drain()

    with _statements(hive) as seen:
        after = _current(hive, index)

    reads = [(sql, params) for sql, params in seen if "dataset_qualities" in sql]
    assert len(reads) == 1, reads  # one query, for the changed dataset only
    flat = str(reads[0][1])
    assert str(new) in flat and not any(f"{i}," in flat or f"{i})" in flat for i in old_ids)
    assert list(after.ids) == [*old_ids, new]
    assert after.scaling is before.scaling  # the scaling is kept between full rebuilds
    assert after.fitted_generation == before.fitted_generation and after.changed_rows == 1
    # the new row is its qualities under the kept scaling; the old rows are untouched
    with transaction(hive.sessions) as session:
        raw = quality_matrix(session, [new], QUALITY_NAMES)[new]
    expected = before.scaling.apply(raw)
    np.testing.assert_allclose(after.matrix.row(3), expected, rtol=1e-6)
    np.testing.assert_array_equal(after.matrix.values[:3], before.matrix.values)
    # the fork of a table shares its data: the patched twins say so
    assert set(after.twins.get(1, np.array([]))) == {1, 3}


def test_a_deleted_dataset_leaves_the_patched_index_and_enough_changes_refit(
    hive: Hive, as_alice: Actor
) -> None:
    old_ids = _three_processed(hive, as_alice)
    index = MetaIndex(refit_fraction=0.5)
    before = _current(hive, index)
    with transaction(hive.sessions) as session:
        catalog.delete_dataset(session, as_alice, old_ids[1])
    patched = _current(hive, index)
    assert list(patched.ids) == [old_ids[0], old_ids[2]]
    assert patched.scaling is before.scaling
    with transaction(hive.sessions) as session:
        catalog.delete_dataset(session, as_alice, old_ids[2])
    refitted = _current(hive, index)  # two changes out of three fitted rows: past half
    assert list(refitted.ids) == [old_ids[0]]
    assert refitted.scaling is not before.scaling and refitted.changed_rows == 0


def test_a_reprocessed_dataset_has_its_row_overwritten_in_place(
    hive: Hive, as_alice: Actor
) -> None:
    old_ids = _three_processed(hive, as_alice)
    index = MetaIndex(refit_fraction=1.0)
    before = _current(hive, index)
    column = QUALITY_NAMES.index("NumberOfInstances")
    with transaction(hive.sessions) as session:  # what reprocessing writes, in brief
        session.execute(
            update(Quality)
            .where(Quality.dataset_id == old_ids[0], Quality.name == "NumberOfInstances")
            .values(value=1000.0)
        )
        bump_generation(session, old_ids[0])
    after = _current(hive, index)
    assert list(after.ids) == old_ids and after.scaling is before.scaling
    assert after.matrix.row(0)[column] > before.matrix.row(0)[column]
    np.testing.assert_array_equal(after.matrix.values[1:], before.matrix.values[1:])


class _PausedIndex(MetaIndex):
    """A real index whose refresh waits, mid-way, until the test lets it go on."""

    def __init__(self) -> None:
        super().__init__(refit_fraction=1.0)
        self.paused = False
        self.entered = threading.Event()
        self.go_on = threading.Event()

    def _refresh(self, session: Session, built: BuiltIndex | None, wanted: int) -> BuiltIndex:
        if self.paused:
            self.entered.set()
            assert self.go_on.wait(WAIT)
        return super()._refresh(session, built, wanted)


def test_a_reader_during_a_refresh_is_answered_from_the_old_snapshot(
    hive: Hive, as_alice: Actor
) -> None:
    old_ids = _three_processed(hive, as_alice)
    index = _PausedIndex()
    old = _current(hive, index)
    new = publish(hive, as_alice, CLASSIFICATION_CSV, name="points-again")
    hive.worker.drain()
    index.paused = True
    refreshed: list[BuiltIndex] = []
    refresher = threading.Thread(target=lambda: refreshed.append(_current(hive, index)))
    refresher.start()
    try:
        assert index.entered.wait(WAIT)
        during = _current(hive, index)  # returns at once, while the refresh is held
        assert during is old and list(during.ids) == old_ids
    finally:
        index.go_on.set()
        refresher.join(WAIT)
    assert list(refreshed[0].ids) == [*old_ids, new]
    assert _current(hive, index) is refreshed[0]


def test_the_first_build_is_waited_for(hive: Hive, as_alice: Actor) -> None:
    ids = _three_processed(hive, as_alice)
    assert list(_current(hive, MetaIndex()).ids) == ids
