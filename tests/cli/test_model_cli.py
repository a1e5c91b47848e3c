"""``mlhive model`` against the real app in-process (the CLI's client factory is pointed at
Starlette's TestClient)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from fastapi.testclient import TestClient
from safetensors.numpy import load, save_file
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from typer.testing import Result

from mlhive.server.wiring import Hive
from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.cli.conftest import AppCli, bound
from tests.conftest import UserKey


class Cli(AppCli):
    def __call__(self, user: UserKey, *args: str) -> Result:
        return self.invoke(["model", *args, "--api-key", user.key])


@pytest.fixture
def cli(http: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: None) -> Cli:
    return bound(Cli(http, tmp_path / "cache"), monkeypatch)


def test_push_log_diff_pull(cli: Cli, alice: UserKey, tmp_path: Path) -> None:
    assert cli(alice, "create", "net").stdout.strip() == "alice/net"
    paths = []
    for version in range(2):
        path = tmp_path / f"v{version}.safetensors"
        save_file({"a": np.full(3, version, np.float32), "b": np.ones(2, np.float32)}, str(path))
        paths.append(path)
    first = cli(alice, "push", "alice/net", str(paths[0]), "-m", "zero").stdout.strip()
    second = cli(alice, "push", "alice/net", str(paths[1]), "-m", "one").stdout.strip()
    assert len(first) == len(second) == 64
    log = cli(alice, "log", "alice/net", "--json").stdout.splitlines()
    assert [json.loads(line)["message"] for line in log] == ["one", "zero"]
    diff = json.loads(cli(alice, "diff", "alice/net", first, "main", "--json").stdout)
    assert [c["name"] for c in diff["changed"]] == ["a"]
    target = tmp_path / "pulled.safetensors"
    written = cli(alice, "pull", "alice/net", "--ref", first[:8], "-o", str(target)).stdout.strip()
    assert written == str(target)
    np.testing.assert_array_equal(load(target.read_bytes())["a"], [0, 0, 0])


def test_pull_into_a_missing_folder_is_refused_unless_told_to_create_it(
    cli: Cli, alice: UserKey, tmp_path: Path
) -> None:
    cli(alice, "create", "net")
    weights = tmp_path / "w.safetensors"
    save_file({"a": np.arange(3, dtype=np.float32)}, str(weights))
    cli(alice, "push", "alice/net", str(weights), "-m", "first")
    target = tmp_path / "typo" / "models" / "net.safetensors"

    refused = cli(alice, "pull", "alice/net", "-o", str(target))
    assert refused.exit_code == 1
    assert f"folder '{target.parent}' does not exist" in refused.stderr
    assert not (tmp_path / "typo").exists()  # nothing was created on the way

    created = cli(alice, "pull", "alice/net", "-o", str(target), "--parents")
    assert created.exit_code == 0, created.output
    assert f"creating folder '{target.parent}'" in created.stderr
    np.testing.assert_array_equal(load(target.read_bytes())["a"], [0, 1, 2])
    into_folder = cli(alice, "pull", "alice/net", "-o", str(tmp_path)).stdout.strip()
    assert Path(into_folder).parent == tmp_path and Path(into_folder).name.startswith("alice--net-")
    assert sorted(p.name for p in target.parent.iterdir()) == ["net.safetensors"]  # no leftovers


def test_an_unsafe_push_is_one_error_line(cli: Cli, alice: UserKey, tmp_path: Path) -> None:
    cli(alice, "create", "net")
    path = tmp_path / "model.pkl"
    path.write_bytes(b"\x80\x04K\x01.")
    result = cli(alice, "push", "alice/net", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("error:") and "pickle" in result.stderr


def test_merge_and_merge_requests(
    cli: Cli,
    http: TestClient,
    alice: UserKey,
    bob: UserKey,
    tmp_path: Path,
    run_jobs: Callable[[], int],
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    rule = json.dumps({"measure": "predictive_accuracy", "max_drop": 0.0})
    cli(alice, "create", "clf", "--task", str(task["id"]), "--rule", rule)
    frame = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
    X, y = frame[["x1", "x2"]], frame["label"].astype(str)
    for user, model, branch in (
        (alice, DummyClassifier(), "main"),
        (bob, LogisticRegression(), "bob/lr"),
    ):
        path = tmp_path / f"{branch.replace('/', '-')}.skops"
        sio.dump(model.fit(X, y), path)
        assert cli(user, "push", "alice/clf", str(path), "--branch", branch).exit_code == 0
    number = cli(bob, "mr", "open", "alice/clf", "bob/lr", "--title", "logistic").stdout.strip()
    run_jobs()
    shown = cli(bob, "mr", "show", "alice/clf", number, "--wait")
    assert "mergeable" in shown.stdout and "predictive_accuracy" in shown.stdout
    assert f"waiting for the evaluation of merge request {number}…" in shown.stderr
    merged = cli(alice, "mr", "merge", "alice/clf", number).stdout.strip()
    assert len(merged) == 64
    assert "merged" in cli(alice, "mr", "ls", "alice/clf").stdout


def test_merge_prints_the_merge_commit(
    cli: Cli, alice: UserKey, tmp_path: Path, hive: Hive
) -> None:
    cli(alice, "create", "soup")
    for branch, value in (("a", 1.0), ("b", 2.0)):
        path = tmp_path / f"{branch}.safetensors"
        save_file({"w": np.full(3, value, np.float32)}, str(path))
        cli(alice, "push", "alice/soup", str(path), "--branch", branch)
    hive.worker.start()
    try:
        result = cli(
            alice, "merge", "alice/soup", "average", "a", "b", "--weight", "1", "--weight", "3"
        )
    finally:
        hive.worker.stop()
    assert result.exit_code == 0, result.stderr
    commit = result.stdout.strip()
    out = tmp_path / "merged.safetensors"
    cli(alice, "pull", "alice/soup", "--ref", commit, "-o", str(out))
    np.testing.assert_array_equal(load(out.read_bytes())["w"], [1.75] * 3)


def test_ls_search_show_branch_tag_fork_and_card(
    cli: Cli, alice: UserKey, bob: UserKey, tmp_path: Path
) -> None:
    cli(alice, "create", "iris-net", "--description", "Classifies irises")
    cli(alice, "create", "secret-net", "--private")
    path = tmp_path / "m.safetensors"
    save_file({"w": np.zeros(2, np.float32)}, str(path))
    head = cli(alice, "push", "alice/iris-net", str(path), "-m", "first").stdout.strip()
    found = cli(bob, "ls", "--search", "IRIS", "--json").stdout.splitlines()
    assert [json.loads(line)["full_name"] for line in found] == ["alice/iris-net"]
    listed = cli(bob, "ls").stdout
    assert "alice/iris-net" in listed and "secret-net" not in listed  # private stays private
    assert "secret-net" in cli(alice, "ls", "--owner", "alice").stdout
    assert cli(alice, "branch", "alice/iris-net", "dev").stdout.strip() == head
    assert cli(alice, "tag", "alice/iris-net", "v1", "main").stdout.strip() == head
    shown = cli(bob, "show", "alice/iris-net").stdout
    assert "Classifies irises" in shown and "dev" in shown and "v1" in shown
    assert cli(bob, "fork", "alice/iris-net").stdout.strip() == "bob/iris-net"
    forked = json.loads(cli(bob, "show", "bob/iris-net", "--json").stdout)
    assert forked["forked_from"] == "alice/iris-net"
    card = cli(bob, "card", "alice/iris-net", "--ref", "v1").stdout
    assert card.startswith("---")  # Markdown with YAML front matter
    assert json.loads(cli(bob, "card", "alice/iris-net", "--json").stdout)["library"]
    moved = cli(alice, "tag", "alice/iris-net", "v1", "dev")
    assert moved.exit_code == 1 and moved.stderr.startswith("error:")  # tags never move


def test_mr_close_by_its_author_and_not_by_a_stranger(
    cli: Cli, alice: UserKey, bob: UserKey, make_user: Callable[..., UserKey], tmp_path: Path
) -> None:
    cli(alice, "create", "net")
    for user, branch, value in ((alice, "main", 0.0), (bob, "bob/try", 1.0)):
        path = tmp_path / f"{value}.safetensors"
        save_file({"w": np.full(2, value, np.float32)}, str(path))
        cli(user, "push", "alice/net", str(path), "--branch", branch)
    number = cli(bob, "mr", "open", "alice/net", "bob/try", "--title", "try").stdout.strip()
    carol = make_user("carol")
    refused = cli(carol, "mr", "close", "alice/net", number)
    assert refused.exit_code == 1 and "error:" in refused.stderr
    closed = cli(bob, "mr", "close", "alice/net", number)
    assert closed.exit_code == 0 and closed.stdout.strip() == f"#{number} try: closed"
    assert "closed" in cli(alice, "mr", "ls", "alice/net").stdout
