"""The status life cycle on a server that reviews datasets (no auto-activation): owners or
admins activate processed datasets, deactivate and re-activate them, never un-prepare them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlhive.server.config import Settings
from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Conflict, PermissionDenied
from mlhive.server.services.datasets import catalog
from mlhive.server.wiring import Hive
from mlhive.wire.errors import ErrorCode
from tests.factories import publish

Jobs = Callable[[], int]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auto_activate": False})


def _status(hive: Hive, actor: Actor, dataset_id: int, status: str) -> str:
    with transaction(hive.sessions) as session:
        return catalog.set_status(session, actor, dataset_id, status).status


def _statuses(hive: Hive, dataset_id: int) -> list[tuple[str | None, str | None]]:
    with transaction(hive.sessions) as session:
        entries = catalog.history(session, None, dataset_id)
        return [(e.user, e.status) for e in entries if e.kind == "status"]


def test_a_dataset_is_activated_only_once_processed(
    hive: Hive, as_alice: Actor, run_jobs: Jobs
) -> None:
    dataset_id = publish(hive, as_alice)
    with pytest.raises(Conflict) as raised:
        _status(hive, as_alice, dataset_id, "active")
    assert raised.value.code == ErrorCode.NOT_PROCESSED
    run_jobs()
    assert _status(hive, as_alice, dataset_id, "active") == "active"
    assert _status(hive, as_alice, dataset_id, "active") == "active"  # no change: no entry
    assert _status(hive, as_alice, dataset_id, "deactivated") == "deactivated"
    assert _status(hive, as_alice, dataset_id, "active") == "active"
    assert _statuses(hive, dataset_id) == [
        ("alice", "in_preparation"),
        ("alice", "active"),
        ("alice", "deactivated"),
        ("alice", "active"),
    ]


def test_an_active_dataset_never_goes_back_into_preparation(
    hive: Hive, as_alice: Actor, as_bob: Actor, as_admin: Actor, run_jobs: Jobs
) -> None:
    dataset_id = publish(hive, as_alice)
    run_jobs()
    with pytest.raises(PermissionDenied):
        _status(hive, as_bob, dataset_id, "active")
    assert _status(hive, as_admin, dataset_id, "active") == "active"
    with pytest.raises(Conflict) as raised:
        _status(hive, as_alice, dataset_id, "in_preparation")
    assert raised.value.code == ErrorCode.INVALID_STATUS_TRANSITION
    assert raised.value.detail == "cannot change status from active to in_preparation"
    assert _statuses(hive, dataset_id)[-1] == ("admin", "active")
