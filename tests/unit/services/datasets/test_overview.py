"""A dataset page's content: qualities in OpenML's groups, versions, what the viewer may do,
and distributions filled in for datasets processed before they were computed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import update

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.datasets import Feature
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import NotFound
from mlhive.server.services.datasets import overview
from mlhive.server.wiring import Hive
from tests.factories import publish

ALICE, BOB = Actor(1, "alice", False), Actor(2, "bob", False)


@pytest.fixture
def people(make_user: Callable[..., object]) -> None:
    make_user("alice")
    make_user("bob")


def _view(hive: Hive, actor: Actor | None, dataset_id: int) -> overview.DatasetOverview:
    with transaction(hive.sessions) as session:
        return overview.overview(session, actor, dataset_id)


def test_qualities_come_in_openml_groups_and_features_with_distributions(
    hive: Hive, people: None, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(hive, ALICE)
    run_jobs()
    view = _view(hive, None, dataset_id)
    titles = [title for title, _ in view.qualities]
    assert titles == ["Simple", "Statistical", "Information-theoretic", "Landmarkers"]
    assert view.qualities[0][1][0] == ("NumberOfInstances", 6.0)
    assert view.feature_count == 4 and not view.needs_distributions
    assert view.target is not None and view.target.name == "label"
    assert view.target.distribution == {
        "kind": "categories",
        "top": [{"value": "no", "count": 3}, {"value": "yes", "count": 3}],
        "other": 0,
        "missing": 0,
    }


def test_the_owner_may_change_and_sees_only_the_allowed_statuses(
    hive: Hive, people: None, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(hive, ALICE)
    assert _view(hive, ALICE, dataset_id).next_statuses == ["deactivated"]  # not processed
    run_jobs()
    owner, other = _view(hive, ALICE, dataset_id), _view(hive, BOB, dataset_id)
    assert owner.may_change and owner.next_statuses == ["deactivated"]
    assert not other.may_change and other.next_statuses == []


def test_versions_list_only_what_the_viewer_may_see(hive: Hive, people: None) -> None:
    first = publish(hive, ALICE, name="shared")
    publish(hive, ALICE, name="shared", visibility="private")
    assert [v.version for v in _view(hive, None, first).versions] == [1]
    assert [v.version for v in _view(hive, ALICE, first).versions] == [1, 2]
    with pytest.raises(NotFound):
        _view(hive, BOB, first + 1)


def test_distributions_missing_from_an_older_processing_are_filled_in_once(
    hive: Hive, people: None, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(hive, ALICE)
    run_jobs()
    with transaction(hive.sessions) as session:  # as a dataset processed before 0006
        session.execute(update(Feature).values(distribution=None))
    stale = _view(hive, None, dataset_id)
    assert stale.needs_distributions
    with transaction(hive.sessions) as session:
        overview.fill_distributions(session, hive.store, None, dataset_id)
    fresh = _view(hive, None, dataset_id)
    assert not fresh.needs_distributions
    age = fresh.features[0].distribution
    assert age is not None and age["kind"] == "histogram" and age["missing"] == 1
