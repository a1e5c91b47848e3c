"""``mlhive --version | login | logout | whoami | config | key``, and quiet broken pipes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mlhive import __version__
from mlhive.cli.main import app
from tests.cli.conftest import AppCli, bound
from tests.conftest import UserKey


class Cli(AppCli):
    """Runs ``mlhive ...``; every client it builds talks to the in-process app."""

    def __call__(self, *args: str, stdin: str | None = None) -> Result:
        return self.invoke(list(args), stdin=stdin)


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home" / "mlhive" / "config.toml"
    monkeypatch.setenv("MLHIVE_CONFIG", str(path))
    for name in ("MLHIVE_URL", "MLHIVE_API_KEY", "MLHIVE_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def cli(
    http: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config_path: Path
) -> Cli:
    return bound(Cli(http, tmp_path / "cache"), monkeypatch)


def test_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"mlhive {__version__}"


def test_login_checks_the_key_then_saves_it_for_the_owner_only(
    cli: Cli, config_path: Path, alice: UserKey
) -> None:
    result = cli("login", "--url", "http://testserver", stdin=f"{alice.key}\n")
    assert result.exit_code == 0, result.output
    assert f"as {alice.name}" in result.stdout
    assert alice.key not in result.stdout  # the prompt does not echo it
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    saved = config_path.read_text()
    assert alice.key in saved and "http://testserver" in saved
    # Later commands find the key in the file: no --api-key, no environment.
    whoami = cli("whoami", "--json")
    assert whoami.exit_code == 0, whoami.output
    assert json.loads(whoami.stdout)["name"] == alice.name


def test_login_with_a_wrong_key_saves_nothing(cli: Cli, config_path: Path) -> None:
    result = cli("login", "--url", "http://testserver", "--api-key", "mlh_not-a-key")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert not config_path.exists()


def test_login_from_an_empty_pipe_says_how_to_give_the_key(cli: Cli, config_path: Path) -> None:
    result = cli("login", "--url", "http://testserver", stdin="")
    assert result.exit_code == 2
    assert "no API key on standard input" in result.stderr and "--api-key" in result.stderr
    assert not config_path.exists()


def test_logout_removes_the_key_and_keeps_the_url(
    cli: Cli, config_path: Path, alice: UserKey
) -> None:
    cli("login", "--url", "http://testserver", "--api-key", alice.key)
    result = cli("logout")
    assert result.exit_code == 0
    saved = config_path.read_text()
    assert alice.key not in saved and "http://testserver" in saved
    assert cli("whoami").exit_code == 1  # anonymous now: "who" has no answer
    assert "No API key is saved" in cli("logout").stdout


def test_config_tells_each_value_and_where_it_came_from(
    cli: Cli, config_path: Path, alice: UserKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("config", "set", "url", "http://hive.example:8000")
    monkeypatch.setenv("MLHIVE_API_KEY", alice.key)
    result = cli("config", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["config_file"] == str(config_path)
    rows = {row["setting"]: row for row in shown["settings"]}
    assert rows["url"] == {
        "setting": "url",
        "value": "http://hive.example:8000",
        "from": "config file",
    }
    assert rows["api_key"]["from"] == "MLHIVE_API_KEY"
    assert rows["api_key"]["value"] == alice.key[:8] + "…"  # never the whole secret
    assert rows["cache_dir"]["from"] == "default"
    assert alice.key not in cli("config").stdout
    assert cli("config", "path").stdout.strip() == str(config_path)


def test_config_refuses_an_unknown_setting_naming_the_valid_ones(
    cli: Cli, config_path: Path
) -> None:
    result = cli("config", "set", "urll", "http://x")
    assert result.exit_code == 1
    assert "urll" in result.stderr and "'url', 'api_key', 'cache_dir'" in result.stderr
    assert not config_path.exists()
    cli("config", "set", "cache_dir", "/tmp/somewhere")
    assert cli("config", "unset", "cache_dir").exit_code == 0
    assert "cache_dir" not in config_path.read_text()


def test_a_key_is_issued_listed_and_revoked(cli: Cli, alice: UserKey) -> None:
    created = cli("key", "create", "--label", "laptop", "--api-key", alice.key)
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("mlh_") and "not shown again" in created.stderr
    listed = cli("key", "ls", "--json", "--api-key", secret)
    keys = [json.loads(line) for line in listed.stdout.splitlines()]
    laptop = next(key for key in keys if key["label"] == "laptop")
    assert laptop["revoked_at"] is None and secret.startswith(laptop["prefix"])
    revoked = cli("key", "revoke", str(laptop["id"]), "--api-key", alice.key)
    assert revoked.exit_code == 0 and f"Revoked key {laptop['id']}" in revoked.stdout
    after = cli("whoami", "--api-key", secret)
    assert after.exit_code == 1 and "error:" in after.stderr
    assert cli("whoami", "--api-key", alice.key).exit_code == 0  # the other key still works


def test_a_read_only_key_is_issued_shown_by_whoami_and_cannot_write(
    cli: Cli, alice: UserKey
) -> None:
    created = cli("key", "create", "--read-only", "--label", "dash", "--api-key", alice.key)
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("mlh_") and "read key" in created.stderr
    who = cli("whoami", "--api-key", secret)
    assert who.exit_code == 0, who.output
    assert who.stdout.strip().startswith(f"{alice.name} (user, read key)")
    assert "write key" in cli("whoami", "--api-key", alice.key).stdout
    listed = cli("key", "ls", "--json", "--api-key", secret)  # listing is a read: allowed
    scopes = {key["label"]: key["scope"] for key in map(json.loads, listed.stdout.splitlines())}
    assert scopes["dash"] == "read"
    escalate = cli("key", "create", "--label", "mine-now", "--api-key", secret)
    assert escalate.exit_code == 1 and "scope 'read'" in escalate.stderr
    assert "mine-now" not in cli("key", "ls", "--api-key", alice.key).stdout


@pytest.mark.parametrize("arguments", [["config", "--json"], ["config"], ["--help"]])
def test_a_closed_pipe_ends_the_command_quietly(
    arguments: list[str], config_path: Path, tmp_path: Path
) -> None:
    """``mlhive … | head`` must not print a traceback or an error when ``head`` exits."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes a byte
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "mlhive.cli.main", *arguments],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**os.environ, "MLHIVE_CONFIG": str(config_path)},
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert finished.stderr.decode() == ""
    assert finished.returncode != 0  # a pipeline with `set -o pipefail` still sees it
