"""``mlhive team ...``: create, invite, accept, members, a team-owned upload, remove, leave."""

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
from tests.conftest import UserKey

Run = Callable[..., Result]


@pytest.fixture
def mlhive(http: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``mlhive("team", "members", "crew", "--api-key", key)`` runs it on the in-process app."""

    def factory(url: str | None, api_key: str | None) -> Client:
        return Client(url, api_key, http_client=http, cache_dir=tmp_path / "cache", retries=0)

    monkeypatch.setattr(_common, "client_factory", factory)
    for name in ("MLHIVE_URL", "MLHIVE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


def test_a_team_from_the_command_line(
    mlhive: Run, tmp_path: Path, alice: UserKey, bob: UserKey
) -> None:
    as_alice, as_bob = ("--api-key", alice.key), ("--api-key", bob.key)
    created = mlhive("team", "create", "crew", *as_alice)
    assert created.exit_code == 0 and "admin" in created.stdout
    invited = mlhive("team", "invite", "crew", "bob", "--role", "write", *as_alice)
    assert invited.exit_code == 0, invited.output
    token = invited.stdout.strip()
    assert token.startswith("mlt_") and "bob" in invited.stderr
    accepted = mlhive("team", "accept", token, *as_bob)
    assert accepted.exit_code == 0 and "joined team crew as write" in accepted.stdout
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,a\n2,b\n3,a\n")
    uploaded = mlhive(
        "dataset", "push", str(data), "--name", "d", "--owner", "crew", "--private", *as_bob
    )
    assert uploaded.exit_code == 0, uploaded.output
    members = mlhive("team", "members", "crew", "--json", *as_bob)
    assert {m["name"]: m["role"] for m in map(json.loads, members.stdout.splitlines())} == {
        "alice": "admin",
        "bob": "write",
    }
    shown = json.loads(mlhive("team", "show", "crew", "--json", *as_alice).stdout)
    assert [d["name"] for d in shown["datasets"]] == ["d"]
    refused = mlhive("team", "remove", "crew", "alice", *as_bob)
    assert refused.exit_code != 0 and "admins" in refused.output
    left = mlhive("team", "leave", "crew", *as_bob)
    assert left.exit_code == 0 and "left team crew" in left.stdout
    assert json.loads(mlhive("team", "show", "crew", "--json", *as_bob).stdout)["datasets"] == []
    last = mlhive("team", "leave", "crew", *as_alice)
    assert last.exit_code != 0 and "last admin" in last.output
