"""One real application shared by a whole test module, for suites that send many requests
over objects made once (the route inventory, the access matrix)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.db.engine import transaction
from mlhive.server.services import accounts
from mlhive.server.wiring import Hive
from tests.conftest import UserKey, _fresh_database


@dataclass(frozen=True)
class SharedApp:
    """The application, a client over it (lifespan started) and its wiring."""

    app: FastAPI
    http: TestClient

    @property
    def hive(self) -> Hive:
        hive: Hive = self.app.state.hive
        return hive

    def user(self, name: str, *, admin: bool = False) -> UserKey:
        """Create a user with one API key."""
        with transaction(self.hive.sessions) as session:
            user = accounts.create_user(session, name, is_admin=admin)
            _, secret = accounts.issue_key(session, user)
            return UserKey(user.id, user.name, secret)


@contextmanager
def shared_app(data_dir: Path, database_template: str) -> Iterator[SharedApp]:
    """A fresh database and store under ``data_dir``, served with no request budget (the
    suites that share it send hundreds of requests from one address)."""
    settings = Settings(
        data_dir=data_dir,
        database_url=_fresh_database(database_template, data_dir),
        worker="off",
        migrate_on_start=False,
        trusted_hosts="testserver",
        rate_limit_per_minute=0,
        rate_limit_writes_per_minute=0,
    )
    app = create_app(settings)
    try:
        with TestClient(app) as http:
            yield SharedApp(app, http)
    finally:
        app.state.hive.worker.stop()
        app.state.hive.engine.dispose()
