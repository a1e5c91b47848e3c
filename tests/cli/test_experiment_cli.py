"""``mlhive task``, ``mlhive run`` and ``mlhive leaderboard`` against the real app in-process."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from sklearn.tree import DecisionTreeClassifier
from typer.testing import Result

from mlhive import Client, Run
from tests.cli.conftest import AppCli, bound
from tests.client.experiment_data import publish_classification
from tests.conftest import UserKey


class Cli(AppCli):
    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return self.invoke(list(args), env=env)


@pytest.fixture
def cli(http: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: None) -> Cli:
    return bound(Cli(http, tmp_path / "cache"), monkeypatch)


@pytest.fixture
def client(http: TestClient, alice: UserKey, tmp_path: Path) -> Client:
    return Client(api_key=alice.key, http_client=http, cache_dir=tmp_path / "cache", retries=0)


@pytest.fixture
def dataset_id(client: Client, run_jobs: Callable[[], int]) -> int:
    return publish_classification(client, run_jobs).id


def test_task_create_prints_the_id_and_ls_get_show_it(
    cli: Cli, dataset_id: int, alice: UserKey
) -> None:
    created = cli(
        "task", "create", str(dataset_id), "--type", "classification", "--tag", "cli",
        "--api-key", alice.key,
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    task_id = int(created.stdout)
    assert "10-fold Crossvalidation" in created.stderr  # progress on stderr, the id on stdout
    again = cli("task", "create", str(dataset_id), "--procedure", "1", "--api-key", alice.key)
    assert int(again.stdout) == task_id

    lines = cli("task", "ls", "--json", "--tag", "cli").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [task_id]
    table = cli("task", "ls").stdout
    assert "updown" in table and "10-fold" in table
    assert cli("task", "ls", "--type", "regression", "--json").stdout == ""

    info = json.loads(cli("task", "get", str(task_id), "--json").stdout)
    assert info["target"] == "label" and info["class_labels"] == ["down", "up"]
    assert "class_labels" in cli("task", "get", str(task_id)).stdout
    procedures = cli("task", "procedures", "--type", "regression", "--json").stdout.splitlines()
    assert {json.loads(p)["task_type"] for p in procedures} == {"supervised_regression"}


def test_run_ls_get_and_leaderboard(
    cli: Cli, client: Client, dataset_id: int, run_jobs: Callable[[], int]
) -> None:
    task = client.tasks.create(dataset_id)
    tree: Run = client.run(DecisionTreeClassifier(max_depth=3, random_state=0), task, n_jobs=1)
    dummy: Run = client.run(DummyClassifier(), task, n_jobs=1)
    run_jobs()

    lines = cli("run", "ls", "--task", str(task.id), "--json").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [tree.id, dummy.id]
    assert [
        json.loads(line)["id"]
        for line in cli("run", "ls", "--flow", str(dummy.flow_id), "--json").stdout.splitlines()
    ] == [dummy.id]
    assert "DummyClassifier" in cli("run", "ls", "--uploader", "alice").stdout

    info = json.loads(cli("run", "get", str(tree.id), "--json").stdout)
    assert info["state"] == "evaluated"
    measures = {e["measure"] for e in info["evaluations"]}
    assert "predictive_accuracy" in measures
    shown = cli("run", "get", str(tree.id)).stdout
    assert "predictive_accuracy" in shown and "±" in shown

    entries = [
        json.loads(x) for x in cli("leaderboard", str(task.id), "--json").stdout.split("\n") if x
    ]
    assert [e["run_id"] for e in entries] == [tree.id, dummy.id]  # the tree beats the majority
    table = cli("leaderboard", str(task.id), "--measure", "mean_absolute_error").stdout
    assert "lower is better" in table and "DummyClassifier" in table and "alice" in table


def test_errors_exit_1_with_one_line_on_stderr(cli: Cli, dataset_id: int) -> None:
    missing = cli("run", "get", "999")
    assert missing.exit_code == 1 and missing.stdout == ""
    assert missing.stderr.count("\n") == 1 and missing.stderr.startswith("error: ")
    anonymous = cli("task", "create", str(dataset_id))
    assert anonymous.exit_code == 1 and "error:" in anonymous.stderr
    bad_type = cli("task", "ls", "--type", "ranking")
    assert bad_type.exit_code == 1 and "unknown task type 'ranking'" in bad_type.stderr
    unknown_measure = cli("leaderboard", "1", "--measure", "nope")
    assert unknown_measure.exit_code == 1 and unknown_measure.stderr.startswith("error: ")


def _accuracy(run: Run) -> float:
    scores = run.refresh().evaluations.set_index("measure")["value"]
    return float(scores["predictive_accuracy"])


def test_run_ls_shows_each_runs_score_on_the_tasks_main_measure(
    cli: Cli, client: Client, dataset_id: int, run_jobs: Callable[[], int]
) -> None:
    task = client.tasks.create(dataset_id)
    tree: Run = client.run(DecisionTreeClassifier(max_depth=3, random_state=0), task, n_jobs=1)
    dummy: Run = client.run(DummyClassifier(), task, n_jobs=1)
    run_jobs()
    lines = cli("run", "ls", "--task", str(task.id), "--json").stdout.splitlines()
    listed = {row["id"]: row for row in map(json.loads, lines)}
    assert listed[tree.id]["measure"] == "predictive_accuracy"
    assert listed[tree.id]["value"] == _accuracy(tree)
    table = cli("run", "ls", "--task", str(task.id), env={"COLUMNS": "60"}).stdout
    assert "value: predictive_accuracy" in table
    assert f"{_accuracy(tree):.4f}" in table and f"{_accuracy(dummy):.4f}" in table


def test_leaderboard_per_setup_with_short_flow_names_and_the_value_on_a_narrow_terminal(
    cli: Cli, client: Client, dataset_id: int, run_jobs: Callable[[], int]
) -> None:
    task = client.tasks.create(dataset_id)
    shallow: Run = client.run(DecisionTreeClassifier(max_depth=1, random_state=0), task, n_jobs=1)
    deep: Run = client.run(DecisionTreeClassifier(max_depth=3, random_state=0), task, n_jobs=1)
    run_jobs()
    per_flow = [
        json.loads(x) for x in cli("leaderboard", str(task.id), "--json").stdout.splitlines()
    ]
    ranked = sorted((shallow, deep), key=lambda r: (-_accuracy(r), r.id))
    assert [e["run_id"] for e in per_flow] == [ranked[0].id]  # one flow: its best run only
    per_setup = cli("leaderboard", str(task.id), "--by", "setup", "--json").stdout.splitlines()
    entries = [json.loads(x) for x in per_setup]
    assert {e["setup_id"] for e in entries} == {shallow.setup_id, deep.setup_id}
    assert [e["run_id"] for e in entries] == [r.id for r in ranked]  # best first

    table = cli("leaderboard", str(task.id), "--by", "setup", env={"COLUMNS": "40"}).stdout
    assert "best run per setup, predictive_accuracy" in " ".join(table.split())
    assert "sklearn.tree" not in table  # the short name, not the class path
    for run in (deep, shallow):
        assert f"{_accuracy(run):.4f}" in table  # never folded into 0.98/33 or dropped


def test_unknown_measures_are_refused_with_the_valid_ones_listed(
    cli: Cli, client: Client, dataset_id: int, alice: UserKey
) -> None:
    task = client.tasks.create(dataset_id)
    created = cli("task", "create", str(dataset_id), "--measure", "nope", "--api-key", alice.key)
    assert created.exit_code == 1 and created.stdout == ""
    assert "nope cannot evaluate" in created.stderr and "predictive_accuracy" in created.stderr
    board = cli("leaderboard", str(task.id), "--measure", "nope")
    assert board.exit_code == 1 and board.stdout == ""
    assert "'nope' is not a measure" in board.stderr and "area_under_roc_curve" in board.stderr
