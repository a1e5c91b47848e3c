"""``mlhive people ...`` and ``client.people``: suggested collaborators and helpers, with
their reasons, on the in-process app."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mlhive import Client
from mlhive.cli import _common
from mlhive.cli.main import app
from mlhive.errors import NotFoundError
from tests.api.forge import make_repo
from tests.conftest import UserKey

Run = Callable[..., Result]


@pytest.fixture
def mlhive(http: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    def factory(url: str | None, api_key: str | None) -> Client:
        return Client(url, api_key, http_client=http, cache_dir=tmp_path / "cache", retries=0)

    monkeypatch.setattr(_common, "client_factory", factory)
    for name in ("MLHIVE_URL", "MLHIVE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


def _fork(http: TestClient, owner: UserKey, forker: UserKey) -> None:
    make_repo(http, owner, "net")
    forked = http.post(f"/api/models/{owner.name}/net/fork", json={}, headers=forker.headers)
    assert forked.status_code == 201, forked.text


def test_suggested_collaborators_from_the_command_line(
    mlhive: Run, http: TestClient, alice: UserKey, bob: UserKey
) -> None:
    _fork(http, alice, bob)
    table = mlhive("people", "suggested", "--api-key", alice.key)
    assert table.exit_code == 0, table.output
    assert "bob" in table.stdout and "forked your model net" in table.stdout
    lines = mlhive("people", "suggested", "bob", "--json", "--api-key", alice.key).stdout
    found = [json.loads(line) for line in lines.splitlines()]
    assert [(s["name"], s["reasons"][0]["text"]) for s in found] == [
        ("alice", "bob forked their model alice/net")
    ]
    missing = mlhive("people", "suggested", "nobody", "--api-key", alice.key)
    assert missing.exit_code != 0 and "nobody" in missing.output
    neither = mlhive("people", "helpers", "--api-key", alice.key)
    assert neither.exit_code == 2 and "exactly one of --task and --dataset" in neither.output


def test_the_client_reads_suggestions_and_helpers(
    http: TestClient, tmp_path: Path, alice: UserKey, bob: UserKey
) -> None:
    _fork(http, alice, bob)
    with Client("http://testserver", bob.key, http_client=http, cache_dir=tmp_path) as client:
        [alice_for_bob] = client.people.suggested("bob")
        assert alice_for_bob.name == "alice" and alice_for_bob.kind == "user"
        assert alice_for_bob.reasons[0].signal == "models"
        assert alice_for_bob.reasons[0].text == "you forked their model alice/net"
        assert client.people.suggested("bob", limit=1) == [alice_for_bob]
        with pytest.raises(ValueError, match="exactly one"):
            client.people.helpers(task=1, dataset=1)
        with pytest.raises(NotFoundError):
            client.people.helpers(task=999)
