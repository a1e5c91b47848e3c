"""``mlhive model checks``: configure a repository's checks from a JSON file, show a commit's
results (exit code 1 when one failed), and run them again."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import skops.io as sio
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.cli.conftest import KeyedCli as Cli
from tests.conftest import UserKey

FRAME = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
X, Y = FRAME[["x1", "x2"]], FRAME["label"].astype(str)


def test_configure_show_and_rerun_checks(
    cli: Cli,
    http: TestClient,
    alice: UserKey,
    tmp_path: Path,
    run_jobs: Callable[[], int],
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    cli(alice, "model", "create", "clf", "--task", str(task["id"]))
    config = tmp_path / "checks.json"
    config.write_text(json.dumps({"degenerate": True, "schema_check": True}), encoding="utf-8")
    configured = cli(alice, "model", "checks", "alice/clf", "--set", str(config))
    assert configured.stdout.strip() == "alice/clf checks (revision 1): schema, degenerate"

    shas = []
    for model in (DummyClassifier().fit(X, Y), LogisticRegression().fit(X, Y)):
        path = tmp_path / "m.skops"
        sio.dump(model, path)
        shas.append(cli(alice, "model", "push", "alice/clf", str(path)).stdout.strip())
    run_jobs()

    failed = cli(alice, "model", "checks", "alice/clf", shas[0][:12], code=1)
    assert failed.stdout.splitlines()[0] == f"{shas[0]}: checks done"
    assert "FAILED" in failed.stdout and "constant prediction" in failed.stdout
    passed = json.loads(cli(alice, "model", "checks", "alice/clf", "--json").stdout)  # main
    assert passed["commit"] == shas[1] and passed["passed"] is True
    assert [r["name"] for r in passed["results"]] == ["schema", "degenerate"]

    rerun = cli(alice, "model", "checks", "alice/clf", shas[1], "--run", "--json")
    assert json.loads(rerun.stdout)["state"] == "queued"

    config.write_text("[1, 2]", encoding="utf-8")
    refused = cli(alice, "model", "checks", "alice/clf", "--set", str(config), code=1)
    assert "the configuration must be a JSON object" in refused.stderr
    config.write_text(json.dumps({"latency_ms": "fast"}), encoding="utf-8")
    refused = cli(alice, "model", "checks", "alice/clf", "--set", str(config), code=1)
    assert "latency_ms" in refused.stderr
