"""``mlhive flow``, ``suite``, ``study``, ``dataset edit|status|tag|delete`` and ``user ls``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from typer.testing import CliRunner, Result

from mlhive import Client, Run
from mlhive.cli.main import app
from mlhive.server.config import Settings
from tests.cli.conftest import AppCli, bound
from tests.client.experiment_data import publish_classification
from tests.conftest import UserKey


class Cli(AppCli):
    """``cli(user, "flow", "ls")`` runs ``mlhive ...`` as ``user`` against the in-process app."""

    def __call__(self, user: UserKey | None, *args: str, stdin: str | None = None) -> Result:
        key = ["--api-key", user.key] if user else []
        return self.invoke([*args, *key], stdin=stdin)


@pytest.fixture
def cli(http: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: None) -> Cli:
    return bound(Cli(http, tmp_path / "cache"), monkeypatch)


@pytest.fixture
def client(http: TestClient, alice: UserKey, tmp_path: Path) -> Client:
    return Client(api_key=alice.key, http_client=http, cache_dir=tmp_path / "cache", retries=0)


def lines(result: Result) -> list[dict[str, object]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_flow_ls_and_show_name_the_parameters_and_components(
    cli: Cli, client: Client, run_jobs: Callable[[], int]
) -> None:
    flow = client.flows.publish(make_pipeline(StandardScaler(), DummyClassifier()))
    client.flows.tag(flow.id, "cli-test")
    listed = lines(cli(None, "flow", "ls", "--tag", "cli-test", "--json"))
    assert [row["id"] for row in listed] == [flow.id]
    assert flow.name in cli(None, "flow", "ls").stdout
    shown = cli(None, "flow", "show", str(flow.id)).stdout
    assert f"flow {flow.id}: {flow.name}" in shown
    assert "standardscaler" in shown and "dummyclassifier" in shown  # the components
    assert "steps" in shown and "memory" in shown  # the pipeline's own parameters
    assert json.loads(cli(None, "flow", "show", str(flow.id), "--json").stdout)["id"] == flow.id
    missing = cli(None, "flow", "show", "99999")
    assert missing.exit_code == 1 and missing.stderr.startswith("error:")


def test_suite_and_study_are_created_curated_and_shown(
    cli: Cli, client: Client, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish_classification(client, run_jobs)
    task = client.tasks.create(dataset.id)
    other = client.tasks.create(dataset.id, estimation_procedure=5)
    suite_id = cli(alice, "suite", "create", "cli-bench", str(task.id), "--alias", "cb")
    assert suite_id.exit_code == 0, suite_id.output
    attached = cli(alice, "suite", "attach", "cb", str(other.id))
    assert f"tasks: {task.id}, {other.id}" in attached.stdout
    assert [row["alias"] for row in lines(cli(None, "suite", "ls", "--json"))] == ["cb"]
    refused = cli(bob, "suite", "detach", "cb", str(task.id))  # not bob's suite
    assert refused.exit_code == 1 and "error:" in refused.stderr
    detached = cli(alice, "suite", "detach", suite_id.stdout.strip(), str(task.id))
    assert f"tasks: {other.id}" in detached.stdout

    run: Run = client.run(DummyClassifier(), task, n_jobs=1)
    made = cli(alice, "study", "create", "baselines", str(run.id), "--private")
    study = json.loads(cli(alice, "study", "show", made.stdout.strip(), "--json").stdout)
    assert study["run_ids"] == [run.id] and study["visibility"] == "private"
    assert lines(cli(bob, "study", "ls", "--json")) == []  # private means private
    assert cli(bob, "study", "show", made.stdout.strip()).exit_code == 1


def test_dataset_edit_status_tag_and_delete(
    cli: Cli, client: Client, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish_classification(client, run_jobs)
    ref = str(dataset.id)
    edited = cli(
        alice, "dataset", "edit", ref, "--description", "Ups and downs", "--licence", "CC0"
    )
    assert edited.stdout.strip() == f"dataset {dataset.id}: changed description, licence"
    assert client.datasets.get(dataset.id).description == "Ups and downs"
    nothing = cli(alice, "dataset", "edit", ref)
    assert nothing.exit_code == 2 and "at least one field" in nothing.output
    assert cli(bob, "dataset", "edit", ref, "--licence", "MIT").exit_code == 1
    assert client.datasets.get(dataset.id).licence == "CC0"  # bob changed nothing

    status = cli(alice, "dataset", "status", ref, "deactivated")
    assert status.stdout.strip() == f"dataset {dataset.id}: deactivated"
    wrong = cli(alice, "dataset", "status", ref, "gone")
    assert wrong.exit_code == 2 and "gone" in wrong.output

    assert cli(bob, "dataset", "tag", ref, "market").stdout.strip() == "market"
    assert cli(alice, "dataset", "untag", ref, "market").stdout.strip() == ""

    kept = cli(alice, "dataset", "delete", ref, stdin="n\n")
    assert kept.exit_code == 1 and client.datasets.get(dataset.id).id == dataset.id
    gone = cli(alice, "dataset", "delete", ref, "--yes")
    assert gone.exit_code == 0 and "deleted" in gone.stdout
    assert cli(alice, "dataset", "get", ref).exit_code == 1


def test_user_ls_lists_the_accounts_of_the_data_folder(
    settings: Settings, alice: UserKey, bob: UserKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLHIVE_DATABASE_URL", settings.resolved_database_url)
    result = CliRunner().invoke(app, ["user", "ls", "--json", "--data-dir", str(settings.data_dir)])
    rows = lines(result)
    assert [row["name"] for row in rows] == ["alice", "bob"]
    assert {row["is_admin"] for row in rows} == {False}
    only = CliRunner().invoke(
        app, ["user", "ls", "--search", "BO", "--data-dir", str(settings.data_dir)]
    )
    assert "bob" in only.stdout and "alice" not in only.stdout
