"""Dataset use cases after publishing: edits with history, the status life cycle, forks, tags
and deletion, each with who may do it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from sqlalchemy.orm import Session

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mlhive.server.services import subjects, tagging
from mlhive.server.services.datasets import catalog, curation
from mlhive.server.services.experiments import tasks
from mlhive.server.wiring import Hive
from mlhive.wire.datasets import DatasetOut, DatasetUpdate, HistoryEntry
from mlhive.wire.errors import ErrorCode
from mlhive.wire.tasks import TaskCreate
from tests.factories import CLASSIFICATION_CSV, publish

T = TypeVar("T")
Jobs = Callable[[], int]


def _in(hive: Hive, work: Callable[[Session], T]) -> T:
    """``work`` in a transaction of its own, as one request."""
    with transaction(hive.sessions) as session:
        return work(session)


def _seen(hive: Hive, actor: Actor | None, dataset_id: int) -> DatasetOut:
    return _in(hive, lambda s: catalog.describe(s, catalog.get(s, actor, dataset_id)))


def _history(hive: Hive, dataset_id: int) -> list[HistoryEntry]:
    return _in(hive, lambda s: catalog.history(s, None, dataset_id))


def _update(hive: Hive, actor: Actor, dataset_id: int, **fields: object) -> None:
    patch = DatasetUpdate.model_validate(fields)
    _in(hive, lambda s: catalog.update(s, hive.store, actor, dataset_id, patch))


def test_an_edit_keeps_the_previous_values_in_the_history(
    hive: Hive, as_alice: Actor, as_admin: Actor
) -> None:
    dataset_id = publish(hive, as_alice, description="v1", licence="CC0")
    _update(hive, as_alice, dataset_id, description="v2", licence="CC0")
    _update(hive, as_alice, dataset_id, description="v2")  # no change: no entry
    _update(hive, as_admin, dataset_id, creator=["Ada"])
    seen = _seen(hive, None, dataset_id)
    assert (seen.description, seen.creator) == ("v2", ["Ada"])
    edits = [(e.user, e.before, e.after) for e in _history(hive, dataset_id) if e.kind == "edit"]
    assert edits == [
        ("alice", {"description": "v1"}, {"description": "v2"}),
        ("admin", {"creator": []}, {"creator": ["Ada"]}),
    ]


def test_only_the_owner_or_an_admin_edits(hive: Hive, as_alice: Actor, as_bob: Actor) -> None:
    dataset_id = publish(hive, as_alice, description="mine")
    with pytest.raises(PermissionDenied):
        _update(hive, as_bob, dataset_id, description="ours")
    private_id = publish(hive, as_alice, name="secret", visibility="private")
    with pytest.raises(NotFound):
        _update(hive, as_bob, private_id, description="found it")
    assert _seen(hive, None, dataset_id).description == "mine"
    assert [e.kind for e in _history(hive, dataset_id)] == ["status"]


def test_changing_the_target_checks_the_column_and_processes_again(
    hive: Hive, as_alice: Actor, run_jobs: Jobs
) -> None:
    dataset_id = publish(hive, as_alice)
    run_jobs()
    with pytest.raises(InvalidInput) as raised:
        _update(hive, as_alice, dataset_id, default_target_attribute="class")
    assert raised.value.code == ErrorCode.UNKNOWN_COLUMN
    assert raised.value.extra["field"] == "default_target_attribute"
    assert _seen(hive, None, dataset_id).processing == "done"
    _update(hive, as_alice, dataset_id, default_target_attribute="colour")
    seen = _seen(hive, None, dataset_id)
    assert (seen.default_target_attribute, seen.processing) == ("colour", "pending")
    run_jobs()
    assert _seen(hive, None, dataset_id).processing == "done"


def test_a_fork_shares_the_data_and_records_where_it_came_from(
    hive: Hive, as_alice: Actor, as_bob: Actor, run_jobs: Jobs
) -> None:
    source_id = publish(hive, as_alice, description="people", tags=["uci"])
    run_jobs()  # processed, and so active: this server does not review datasets
    fork_id = _in(hive, lambda s: catalog.fork(s, as_bob, source_id, None, "private").id)
    renamed_id = _in(hive, lambda s: catalog.fork(s, as_bob, source_id, "mine", None).id)
    source, fork = _seen(hive, as_bob, source_id), _seen(hive, as_bob, fork_id)
    assert (fork.name, fork.version, fork.uploader) == ("people", 2, "bob")
    assert (fork.forked_from_id, fork.visibility, fork.status) == (source_id, "private", "active")
    assert (fork.data_sha256, fork.description) == (source.data_sha256, "people")
    assert (fork.tags, fork.processing) == ([], "done")
    assert [(e.user, e.status) for e in _history(hive, source_id)] == [
        ("alice", "in_preparation"),
        (None, "active"),
    ]
    renamed = _seen(hive, None, renamed_id)
    assert (renamed.name, renamed.version, renamed.visibility) == ("mine", 1, "public")
    with pytest.raises(NotFound):
        _seen(hive, as_alice, fork_id)  # private to bob


def test_a_fork_of_a_dataset_in_preparation_starts_in_preparation(
    hive: Hive, as_alice: Actor, as_bob: Actor
) -> None:
    source_id = publish(hive, as_alice)
    fork_id = _in(hive, lambda s: catalog.fork(s, as_bob, source_id, "copy", None).id)
    assert _seen(hive, None, fork_id).status == "in_preparation"
    private_id = publish(hive, as_alice, name="secret", visibility="private")
    with pytest.raises(NotFound):
        _in(hive, lambda s: catalog.fork(s, as_bob, private_id, None, None))


def test_tags_are_removed_by_their_tagger_the_owner_or_an_admin(
    hive: Hive, as_alice: Actor, as_bob: Actor, as_admin: Actor
) -> None:
    dataset_id = publish(hive, as_alice, tags=["mine"])

    def _dataset(session: Session, actor: Actor) -> subjects.Subject:
        return subjects.find(session, actor, "dataset", dataset_id)

    def tag(actor: Actor, name: str) -> list[str]:
        return _in(hive, lambda s: tagging.add(s, actor, _dataset(s, actor), name))

    def untag(actor: Actor, name: str) -> list[str]:
        return _in(hive, lambda s: tagging.remove(s, actor, _dataset(s, actor), name))

    assert tag(as_bob, "bobs") == ["bobs", "mine"]
    assert tag(as_bob, "bobs") == ["bobs", "mine"]  # tagging twice keeps one tag
    with pytest.raises(PermissionDenied):
        untag(as_bob, "mine")  # alice's tag on alice's dataset
    assert tag(as_bob, "spare") == ["bobs", "mine", "spare"]
    assert untag(as_bob, "bobs") == ["mine", "spare"]  # his own tag
    assert untag(as_alice, "spare") == ["mine"]  # the owner removes anyone's tag
    assert untag(as_admin, "mine") == []
    with pytest.raises(NotFound) as raised:
        untag(as_alice, "mine")
    assert raised.value.detail == f"dataset {dataset_id} has no tag 'mine'"


def test_only_the_owner_deletes_and_only_what_nothing_depends_on(
    hive: Hive, as_alice: Actor, as_bob: Actor, run_jobs: Jobs
) -> None:
    forked_id, plain_id = publish(hive, as_alice, name="a"), publish(hive, as_alice, name="b")
    tasked_id = publish(hive, as_alice, CLASSIFICATION_CSV, name="c")
    run_jobs()
    _in(hive, lambda s: catalog.fork(s, as_bob, forked_id, None, None))
    body = TaskCreate(
        task_type="supervised_classification", dataset_id=tasked_id, estimation_procedure_id=1
    )
    _in(hive, lambda s: tasks.create(s, hive.store, hive.settings, as_bob, body))

    def delete(actor: Actor, dataset_id: int) -> None:
        _in(hive, lambda s: catalog.delete_dataset(s, actor, dataset_id))

    with pytest.raises(PermissionDenied):
        delete(as_bob, plain_id)
    for dataset_id, reason in ((forked_id, "has forks"), (tasked_id, "has tasks")):
        with pytest.raises(Conflict) as raised:
            delete(as_alice, dataset_id)
        assert raised.value.detail == f"dataset {dataset_id} {reason} and cannot be deleted"
        assert _seen(hive, None, dataset_id).id == dataset_id
    delete(as_alice, plain_id)
    with pytest.raises(NotFound):
        _seen(hive, as_alice, plain_id)
    assert _in(hive, lambda s: catalog.exists(s, plain_id)) is False


def test_the_row_read_description_is_the_orm_description(
    hive: Hive, as_alice: Actor, as_bob: Actor, as_admin: Actor
) -> None:
    """GET /api/datasets/{id} reads rows, not ORM objects: it must answer exactly the same,
    tags, topics and latest job included, and hide a private dataset the same way."""
    public = publish(hive, as_alice, tags=["mine", "iris"])
    hive.worker.drain()
    _in(hive, lambda s: curation.add_topic(s, as_admin, public, "botany"))
    private = publish(hive, as_alice, name="secret", visibility="private")
    for actor, dataset_id in ((None, public), (as_bob, public), (as_alice, private)):
        rows = _in(hive, lambda s, a=actor, d=dataset_id: catalog.read_description(s, a, d))
        assert rows == _seen(hive, actor, dataset_id)
    described = _in(hive, lambda s: catalog.read_description(s, None, public))
    assert described.tags == ["iris", "mine"] and described.topics == ["botany"]
    assert described.job_id is not None and described.uploader == "alice"
    for actor in (None, as_bob):
        with pytest.raises(NotFound, match=f"dataset {private} not found"):
            _in(hive, lambda s, a=actor: catalog.read_description(s, a, private))
    with pytest.raises(NotFound):
        _in(hive, lambda s: catalog.read_description(s, None, 999_999))
