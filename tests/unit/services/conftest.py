"""Services called directly: the wired server without its web app, so each test gets a real
database (SQLite, or PostgreSQL when MLHIVE_TEST_DATABASE_URL is set) and a real blob store in
its own folder, and ``make_user``/``alice``/``bob``/``admin`` from tests/conftest.py use them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlhive.server.app import build_hive
from mlhive.server.config import Settings
from mlhive.server.domain.access import Actor
from mlhive.server.wiring import Hive
from tests.conftest import UserKey
from tests.factories import actor_of


@pytest.fixture
def hive(settings: Settings) -> Iterator[Hive]:
    wired = build_hive(settings)
    yield wired
    wired.worker.stop()
    wired.engine.dispose()


@pytest.fixture
def as_alice(hive: Hive, alice: UserKey) -> Actor:
    return actor_of(hive, alice)


@pytest.fixture
def as_bob(hive: Hive, bob: UserKey) -> Actor:
    return actor_of(hive, bob)


@pytest.fixture
def as_admin(hive: Hive, admin: UserKey) -> Actor:
    return actor_of(hive, admin)
