"""Shared fixtures: a real database (SQLite, or PostgreSQL when MLHIVE_TEST_DATABASE_URL is
set), a real blob store in a temp folder, the real app in-process, and user factories."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.db.engine import make_engine, make_session_factory, transaction
from mlhive.server.db.migrate import upgrade
from mlhive.server.db.schema import metadata
from mlhive.server.services import accounts
from mlhive.server.wiring import Hive

PG_URL = os.environ.get("MLHIVE_TEST_DATABASE_URL", "")
S3_BUCKET = "mlhive-test"


def _worker_db_url(base: str, worker: str) -> str:
    """One PostgreSQL database per xdist worker, created on first use."""
    url = make_url(base)
    name = f"{url.database}_{worker}"
    admin = make_engine(
        url.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """A migrated database: a SQLite file to copy per test, or a PostgreSQL URL."""
    if PG_URL:
        url = _worker_db_url(PG_URL, worker_id)
        engine = make_engine(url)
        with engine.begin() as conn:  # start from scratch: earlier runs may have left tables
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return str(path)


def _fresh_database(template: str, data_dir: Path) -> str:
    if PG_URL:
        engine = make_engine(template)
        names = ", ".join(t.name for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return template
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / "mlhive.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(tmp_path: Path, database_template: str) -> Settings:
    """Settings for one test: its own data folder and a fresh, migrated database."""
    data_dir = tmp_path / "data"
    return Settings(
        data_dir=data_dir,
        database_url=_fresh_database(database_template, data_dir),
        worker="off",
        migrate_on_start=False,
        max_upload_bytes=50 * 1024**2,
        trusted_hosts="testserver",  # the host Starlette's TestClient sends
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    app.state.hive.worker.stop()
    app.state.hive.engine.dispose()  # tests that never start the lifespan hold connections


@pytest.fixture
def hive(app: FastAPI) -> Hive:
    state: Hive = app.state.hive
    return state


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    """The real app over Starlette's TestClient (lifespan included)."""
    with TestClient(app) as client:
        yield client


@dataclass(frozen=True)
class UserKey:
    id: int
    name: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


MakeUser = Callable[..., UserKey]


@pytest.fixture
def make_user(hive: Hive) -> MakeUser:
    """Factory: ``make_user("alice", admin=False)`` creates a user and returns its key."""
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, *, admin: bool = False) -> UserKey:
        with transaction(hive.sessions) as session:
            user = accounts.create_user(session, name or f"user{next(counter)}", is_admin=admin)
            _, secret = accounts.issue_key(session, user)
            return UserKey(user.id, user.name, secret)

    return make


@pytest.fixture
def admin(make_user: MakeUser) -> UserKey:
    return make_user("admin", admin=True)


@pytest.fixture
def alice(make_user: MakeUser) -> UserKey:
    return make_user("alice")


@pytest.fixture
def bob(make_user: MakeUser) -> UserKey:
    return make_user("bob")


@pytest.fixture
def run_jobs(hive: Hive) -> Callable[[], int]:
    """Run every queued background job now (the tests' worker is off)."""
    return hive.worker.drain


@pytest.fixture
def sessions(hive: Hive) -> Callable[[], object]:
    return make_session_factory(hive.engine)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def s3_storage_options() -> Iterator[dict[str, Any]]:
    """Start moto's S3 server for the session, create a bucket, yield s3fs options."""
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    pytest.importorskip("s3fs")
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=S3_BUCKET)
    yield {
        "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"},
        "key": "testing",
        "secret": "testing",
    }
    server.stop()
