"""The CLI against the in-process app: every client a command builds talks to it, and no
setting comes from the machine's environment or config file."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from mlhive import Client
from mlhive.cli import _common
from mlhive.cli.main import app
from tests.conftest import UserKey


class AppCli:
    """Runs ``mlhive ...`` with a client factory bound to the in-process app."""

    def __init__(self, http: TestClient, cache_dir: Path) -> None:
        self.http = http
        self.cache_dir = cache_dir
        self.runner = CliRunner()
        self.seen_urls: list[str | None] = []

    def factory(self, url: str | None, api_key: str | None) -> Client:
        # The options arrive as the CLI parsed them; only the transport is the test's.
        self.seen_urls.append(url)
        return Client(url, api_key, http_client=self.http, cache_dir=self.cache_dir, retries=0)

    def invoke(
        self, args: list[str], *, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        return self.runner.invoke(app, args, input=stdin, env=env, catch_exceptions=False)


class KeyedCli(AppCli):
    """``cli(user, "model", "promote", ...)`` runs as ``user`` and asserts the exit code."""

    def __call__(self, user: UserKey, *args: str, code: int = 0) -> Result:
        result = self.runner.invoke(app, [*args, "--api-key", user.key])
        assert result.exit_code == code, (result.stdout, result.stderr)
        return result


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``MLHIVE_URL``/``MLHIVE_API_KEY`` from the environment, no config file."""
    for name in ("MLHIVE_URL", "MLHIVE_API_KEY", "MLHIVE_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLHIVE_CONFIG", str(tmp_path / "no-config.toml"))


C = TypeVar("C", bound=AppCli)


def bound(runner: C, monkeypatch: pytest.MonkeyPatch) -> C:
    """``runner``, with the CLI building its clients through it."""
    monkeypatch.setattr(_common, "client_factory", runner.factory)
    return runner


@pytest.fixture
def cli(
    http: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: None
) -> AppCli:
    """A :class:`KeyedCli`; modules whose commands read differently define their own."""
    return bound(KeyedCli(http, tmp_path / "cache"), monkeypatch)
