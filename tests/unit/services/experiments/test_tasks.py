"""Task creation: one task per (dataset, type, target, procedure), also when two identical
requests race each other."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.experiments import Task
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Conflict
from mlhive.server.services.experiments import tasks
from mlhive.server.wiring import Hive
from mlhive.wire.errors import ErrorCode
from mlhive.wire.tasks import TaskCreate
from tests.factories import CLASSIFICATION_CSV, publish
from tests.unit.services.race import interleave


@pytest.fixture
def ask(hive: Hive, as_alice: Actor, run_jobs: Callable[[], int]) -> TaskCreate:
    """A request for 10-fold cross-validation on a processed classification dataset."""
    dataset_id = publish(hive, as_alice, CLASSIFICATION_CSV, name="clf")
    run_jobs()
    return TaskCreate(
        task_type="supervised_classification", dataset_id=dataset_id, estimation_procedure_id=1
    )


def _create(session: Session, hive: Hive, actor: Actor, body: TaskCreate) -> tuple[Task, bool]:
    return tasks.create(session, hive.store, hive.settings, actor, body)


def _count(hive: Hive) -> int:
    with transaction(hive.sessions) as session:
        return int(session.scalar(select(func.count()).select_from(Task)) or 0)


def test_asking_again_for_a_task_returns_it_with_its_first_splits(
    hive: Hive, as_alice: Actor, as_bob: Actor, ask: TaskCreate
) -> None:
    with transaction(hive.sessions) as session:
        first, created = _create(session, hive, as_alice, ask)
        assert created and (first.target, first.class_labels) == ("label", ["no", "yes"])
    with transaction(hive.sessions) as session:
        again, created = _create(session, hive, as_bob, ask)
    assert not created
    assert (again.id, again.splits_sha256, again.uploader_id) == (
        first.id,
        first.splits_sha256,
        as_alice.id,
    )


def test_a_dataset_is_processed_before_it_gets_tasks(hive: Hive, as_alice: Actor) -> None:
    dataset_id = publish(hive, as_alice, CLASSIFICATION_CSV, name="fresh")
    body = TaskCreate(
        task_type="supervised_classification", dataset_id=dataset_id, estimation_procedure_id=1
    )
    with pytest.raises(Conflict) as raised, transaction(hive.sessions) as session:
        _create(session, hive, as_alice, body)
    assert raised.value.code == ErrorCode.NOT_PROCESSED
    assert _count(hive) == 0


def test_a_task_created_meanwhile_by_someone_else_is_the_one_returned(
    hive: Hive, as_alice: Actor, as_bob: Actor, ask: TaskCreate
) -> None:
    with transaction(hive.sessions) as session:
        # Bob's identical request commits after Alice's found no task, before hers inserts.
        with interleave(
            session,
            hive,
            reading=Task,
            then=lambda other: _create(other, hive, as_bob, ask)[0].splits_sha256,
        ) as rivals:
            task, created = _create(session, hive, as_alice, ask)
        assert not created
        assert (task.uploader_id, task.splits_sha256) == (as_bob.id, rivals[0])
    assert _count(hive) == 1
