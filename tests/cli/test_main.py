"""The ``mlhive`` entry point: its help shows examples, and it reports errors in one line."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mlhive import Client
from mlhive.cli import _common
from mlhive.cli.main import app, main

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


@pytest.mark.parametrize(
    ("noun", "example"),
    [
        ("dataset", "mlhive dataset push iris.csv --name iris"),
        ("task", "mlhive task create 1 --type classification"),
        ("run", "mlhive leaderboard 1 --measure area_under_roc_curve"),
        ("model", "mlhive model push alice/iris-clf model.skops"),
    ],
)
def test_help_of_each_noun_shows_examples(noun: str, example: str) -> None:
    result = CliRunner().invoke(app, [noun, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and example in result.stdout


def test_the_console_script_runs_main() -> None:
    scripts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"mlhive": "mlhive.cli.main:main"}


def test_main_turns_an_error_into_one_line_and_exit_code_1(
    http: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def factory(url: str | None, api_key: str | None) -> Client:
        return Client(url, api_key, http_client=http, cache_dir=tmp_path / "cache", retries=0)

    monkeypatch.setattr(_common, "client_factory", factory)
    monkeypatch.setenv("MLHIVE_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setattr(sys, "argv", ["mlhive", "dataset", "get", "999"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and "dataset 999 not found" in captured.err
    assert captured.err.count("\n") == 1


def test_help_and_version_start_without_the_heavy_libraries() -> None:
    """`mlhive --help` answers at once: pandas, pyarrow and httpx load on first use."""
    probe = (
        "import sys\n"
        "from mlhive.cli.main import app\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "assert CliRunner().invoke(app, ['dataset', 'ls', '--help']).exit_code == 0\n"
        "heavy = {'pandas', 'pyarrow', 'numpy', 'httpx', 'sklearn'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert loaded.stdout.strip() == "[]"
