"""One answer, for every kind of object, to "what is this, who owns it, who may see it"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import NotFound, PermissionDenied
from mlhive.server.services import subjects
from mlhive.server.services.experiments import flows, studies, tasks
from mlhive.server.services.forge import repos
from mlhive.server.wiring import Hive
from mlhive.wire.studies import CollectionCreate
from mlhive.wire.tasks import TaskCreate
from tests.factories import CLASSIFICATION_CSV, flow_body, make_repo, publish


def find(hive: Hive, actor: Actor | None, kind: subjects.Kind, object_id: int) -> subjects.Subject:
    with transaction(hive.sessions) as session:
        return subjects.find(session, actor, kind, object_id)


def task_on(hive: Hive, actor: Actor, dataset_id: int) -> int:
    body = TaskCreate(
        task_type="supervised_classification", dataset_id=dataset_id, estimation_procedure_id=1
    )
    with transaction(hive.sessions) as session:
        task, _ = tasks.create(session, hive.store, hive.settings, actor, body)
        return task.id


def test_a_private_dataset_is_seen_by_its_owner_and_admins_only(
    hive: Hive, as_alice: Actor, as_bob: Actor, as_admin: Actor
) -> None:
    dataset_id = publish(hive, as_alice, visibility="private")
    subject = find(hive, as_alice, "dataset", dataset_id)
    assert (subject.ref, subject.owner_id, subject.visibility) == (
        f"dataset:{dataset_id}",
        as_alice.id,
        "private",
    )
    assert find(hive, as_admin, "dataset", dataset_id) == subject
    for stranger in (as_bob, None):
        with pytest.raises(NotFound, match=rf"^dataset {dataset_id} not found$"):
            find(hive, stranger, "dataset", dataset_id)


def test_a_missing_object_and_a_hidden_one_read_the_same(hive: Hive, as_bob: Actor) -> None:
    with pytest.raises(NotFound, match=r"^model 999 not found$"):
        find(hive, as_bob, "model", 999)


def test_a_task_belongs_to_its_creator_and_is_seen_through_its_dataset(
    hive: Hive, as_alice: Actor, as_bob: Actor, run_jobs: Callable[[], int]
) -> None:
    public = publish(hive, as_alice, CLASSIFICATION_CSV, name="open")
    private = publish(hive, as_alice, CLASSIFICATION_CSV, name="closed", visibility="private")
    run_jobs()
    bobs = find(hive, None, "task", task_on(hive, as_bob, public))
    seen = (bobs.owner_id, bobs.gate_owner_id, bobs.visibility)
    assert seen == (as_bob.id, as_alice.id, "public")
    hidden = task_on(hive, as_alice, private)
    with pytest.raises(NotFound):
        find(hive, as_bob, "task", hidden)
    assert find(hive, as_alice, "task", hidden).visibility == "private"


def test_flows_are_public_and_owned_by_their_uploader(hive: Hive, as_alice: Actor) -> None:
    with transaction(hive.sessions) as session:
        flow, _ = flows.upload(session, as_alice, flow_body())
        flow_id = flow.id
    subject = find(hive, None, "flow", flow_id)
    assert (subject.owner_id, subject.visibility) == (as_alice.id, "public")


def test_suites_and_studies_are_different_kinds(hive: Hive, as_alice: Actor) -> None:
    with transaction(hive.sessions) as session:
        suite_id = studies.create(session, as_alice, "suite", CollectionCreate(name="bench")).id
    assert find(hive, None, "suite", suite_id).owner_id == as_alice.id
    with pytest.raises(NotFound, match=rf"^study {suite_id} not found$"):
        find(hive, None, "study", suite_id)


def test_a_private_model_repository_and_who_may_change_it(
    hive: Hive, as_alice: Actor, as_bob: Actor, as_admin: Actor
) -> None:
    make_repo(hive, as_alice, "net", visibility="private")
    with transaction(hive.sessions) as session:
        repo_id = repos.get_by_full_name(session, as_alice, "alice/net").id
    subject = find(hive, as_alice, "model", repo_id)
    subject.require_owner(as_alice)
    subject.require_owner(as_admin)
    with pytest.raises(PermissionDenied, match=f"owner of model {repo_id}"):
        subject.require_owner(as_bob)
    with pytest.raises(NotFound):
        find(hive, as_bob, "model", repo_id)


def test_many_objects_at_once_read_as_one_by_one(
    hive: Hive, as_alice: Actor, as_bob: Actor, run_jobs: Callable[[], int]
) -> None:
    open_id = publish(hive, as_alice, CLASSIFICATION_CSV, name="open")
    closed = publish(hive, as_bob, CLASSIFICATION_CSV, name="closed", visibility="private")
    run_jobs()
    task_ids = [task_on(hive, as_alice, open_id), task_on(hive, as_bob, closed)]
    make_repo(hive, as_alice, "net", visibility="private")
    with transaction(hive.sessions) as session:
        flow, _ = flows.upload(session, as_alice, flow_body())
        suite = studies.create(session, as_alice, "suite", CollectionCreate(name="s")).id
        repo = repos.get_by_full_name(session, as_alice, "alice/net").id
        wanted: dict[subjects.Kind, list[int]] = {
            "dataset": [open_id, closed, 999],
            "task": task_ids,
            "flow": [flow.id],
            "suite": [suite],
            "study": [suite],  # a suite is not a study
            "model": [repo],
        }
        for kind, ids in wanted.items():
            one_by_one = {i: s for i in ids if (s := subjects.lookup(session, kind, i))}
            assert subjects.lookup_many(session, kind, ids) == one_by_one, kind
        assert subjects.lookup_many(session, "study", [suite]) == {}
        assert set(subjects.lookup_many(session, "dataset", [open_id, closed, 999])) == {
            open_id,
            closed,
        }
