"""The import contracts of pyproject.toml hold, and each one fails when its rule is broken.

Each case copies the package, adds one forbidden import to one module and runs
``lint-imports`` on the copy: the named contract must then be reported broken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

VIOLATIONS = {
    "services import the native API": (
        "server/services/accounts.py",
        "from mlhive.server.api import system",
        ["services, domain and infrastructure never import HTTP or the adapters"],
    ),
    "the OpenML face imports the native API": (
        "server/openml/data.py",
        "from mlhive.server.api import datasets as _api_datasets",
        ["server layers: adapters -> http -> services -> jobs -> db | storage -> domain"],
    ),
    "datasets build on the forge": (
        "server/services/datasets/catalog.py",
        "from mlhive.server.services.forge import repos as _repos",
        ["capabilities build on each other one way"],
    ),
    "a service opens its own transaction": (
        "server/services/experiments/tasks.py",
        "from mlhive.server.db.engine import transaction as _transaction",
        ["transactions open only in http.deps and services.*.jobs"],
    ),
    "a route opens its own transaction": (
        "server/api/runs.py",
        "from mlhive.server.db import engine as _engine",
        ["transactions open only in http.deps and services.*.jobs"],
    ),
    "a route reads a table itself": (
        "server/api/flows.py",
        "from mlhive.server.db.tables.experiments import Flow as _Flow",
        ["adapters never import the database layer"],
    ),
    "a page reads a table itself": (
        "server/web/pages/people.py",
        "from mlhive.server.db.tables.accounts import User as _User",
        ["adapters never import the database layer"],
    ),
    "a page calls the native API": (
        "server/web/pages/home.py",
        "from mlhive.server.api import datasets as _api_datasets",
        ["server layers: adapters -> http -> services -> jobs -> db | storage -> domain"],
    ),
    "the domain reaches the database": (
        "server/domain/datasets/lifecycle.py",
        "import sqlalchemy",
        ["the domain is pure: no database, storage, jobs or services"],
    ),
    "the client imports the server": (
        "client/_http.py",
        "import mlhive.server.config",
        ["the client side never imports the server"],
    ),
    "a CLI command other than the server's imports the server": (
        "cli/dataset.py",
        "import mlhive.server.wiring",
        ["the client side never imports the server"],
    ),
}


def lint(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "250"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def broken_contracts(output: str) -> set[str]:
    # A verdict line reads "<name> BROKEN", possibly followed by "(N ignored imports)".
    verdicts = (line.partition(" BROKEN") for line in output.splitlines())
    return {name for name, broken, _ in verdicts if broken}


def test_the_tree_keeps_every_contract() -> None:
    result = lint(ROOT / "src")
    assert result.returncode == 0, result.stdout[-3000:]
    assert broken_contracts(result.stdout) == set()


@pytest.mark.parametrize("case", list(VIOLATIONS))
def test_a_forbidden_import_breaks_its_contract(case: str, tmp_path: Path) -> None:
    module, line, contracts = VIOLATIONS[case]
    shutil.copytree(ROOT / "src" / "mlhive", tmp_path / "mlhive")
    target = tmp_path / "mlhive" / module
    target.write_text(target.read_text() + f"\n{line}\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert set(contracts) <= broken_contracts(result.stdout), result.stdout[-3000:]
