"""``mlhive dataset`` against the real app in-process: the CLI's client factory is pointed at
Starlette's TestClient, everything else (options, client, server) is the real thing."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import Result

from mlhive.cli.dataset import parse_quality
from mlhive.server.wiring import Hive
from tests.cli.conftest import AppCli, bound
from tests.conftest import UserKey


class Cli(AppCli):
    """Runs ``mlhive dataset ...`` with a client factory bound to the in-process app."""

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return self.invoke(["dataset", *args], env=env)


@pytest.fixture
def cli(http: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: None) -> Cli:
    """``cli("ls", "--json")`` runs the command; its client talks to the in-process app."""
    return bound(Cli(http, tmp_path / "cache"), monkeypatch)


@pytest.fixture
def penguins_csv(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "bill_length": [39.1, 46.5, 49.9, 38.8, 50.0, 45.2],
            "flipper": [181, 210, 217, 190, 220, 215],
            "species": ["Adélie", "Gentoo", "Chinstrap", "Adélie", "Gentoo", "Gentoo"],
        }
    )
    path = tmp_path / "penguins.csv"
    frame.to_csv(path, index=False)
    return path


def push(cli: Cli, path: Path, key: str, *extra: str) -> int:
    result = cli(
        "push",
        str(path),
        "--name",
        "penguins",
        "--target",
        "species",
        "--tag",
        "birds",
        "--api-key",
        key,
        *extra,
    )
    assert result.exit_code == 0, result.output
    return int(result.stdout.strip())


def test_push_prints_the_new_id_and_ls_shows_it(
    cli: Cli, penguins_csv: Path, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    first = push(cli, penguins_csv, alice.key)
    second = push(cli, penguins_csv, alice.key, "--allow-duplicate")
    assert second == first + 1
    run_jobs()

    table = cli("ls", "--tag", "birds")
    assert table.exit_code == 0
    assert "penguins" in table.stdout and "birds" in table.stdout

    lines = cli("ls", "--json", "--quality", "NumberOfInstances:5..10", "--limit", "1").stdout
    rows = [json.loads(line) for line in lines.splitlines()]
    assert [(row["id"], row["name"], row["version"]) for row in rows] == [(first, "penguins", 1)]
    assert rows[0]["qualities"]["NumberOfInstances"] == 6

    none = cli("ls", "--json", "--quality", "NumberOfInstances:100..").stdout
    assert none == ""


def test_push_wait_reports_processing_on_stderr(
    cli: Cli, penguins_csv: Path, alice: UserKey, hive: Hive
) -> None:
    hive.settings = hive.settings  # the app's worker is off:
    # run the job from a background thread the way `serve` would, via --wait's polling.

    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            hive.worker.drain()
            stop.wait(0.05)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        result = cli(
            "push",
            str(penguins_csv),
            "--name",
            "waited",
            "--api-key",
            alice.key,
            "--wait",
            "--timeout",
            "20",
        )
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    dataset_id = int(result.stdout)
    assert f"waiting for dataset {dataset_id} to be processed…" in result.stderr
    assert f"dataset {dataset_id} processed: 6 rows, 3 columns, status active" in result.stderr
    info = json.loads(cli("get", str(dataset_id), "--json").stdout)
    assert info["processing"] == "done"


def test_pull_writes_the_same_data(
    cli: Cli,
    penguins_csv: Path,
    alice: UserKey,
    run_jobs: Callable[[], int],
    tmp_path: Path,
) -> None:
    dataset_id = push(cli, penguins_csv, alice.key)
    run_jobs()
    original = pd.read_csv(penguins_csv)

    result = cli("pull", str(dataset_id), "-o", str(tmp_path / "out.parquet"))
    assert result.exit_code == 0, result.output
    written = Path(result.stdout.strip())
    assert written == tmp_path / "out.parquet"
    pulled = pd.read_parquet(written)
    assert pulled["bill_length"].tolist() == original["bill_length"].tolist()
    assert pulled["flipper"].tolist() == original["flipper"].tolist()
    assert pulled["species"].astype(str).tolist() == original["species"].tolist()

    folder = tmp_path / "downloads"
    folder.mkdir()
    result = cli("pull", str(dataset_id), "--format", "csv", "-o", str(folder))
    assert Path(result.stdout.strip()) == folder / "penguins-v1.csv"
    pd.testing.assert_frame_equal(
        pd.read_csv(folder / "penguins-v1.csv"), original, check_dtype=False
    )


def test_get_json_has_description_and_qualities(
    cli: Cli, penguins_csv: Path, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = push(cli, penguins_csv, alice.key)
    run_jobs()
    info = json.loads(cli("get", str(dataset_id), "--json").stdout)
    assert (info["id"], info["name"], info["default_target_attribute"]) == (
        dataset_id,
        "penguins",
        "species",
    )
    assert info["qualities"]["NumberOfClasses"] == 3

    table = cli("get", str(dataset_id))
    assert "NumberOfClasses" in table.stdout and "penguins" in table.stdout


def test_api_key_comes_from_the_environment(cli: Cli, penguins_csv: Path, alice: UserKey) -> None:
    result = cli(
        "push",
        str(penguins_csv),
        "--name",
        "envkey",
        "--url",
        "http://hive.example:8000",
        env={"MLHIVE_API_KEY": alice.key},
    )
    assert result.exit_code == 0, result.output
    assert int(result.stdout) >= 1
    assert cli.seen_urls[-1] == "http://hive.example:8000"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("get", "999"), "dataset 999 not found"),
        (("push", "{csv}", "--name", "anon"), "needs an API key"),
        (("push", "{missing}", "--name", "x", "--api-key", "whatever"), "no such file"),
        (("push", "{csv}", "--name", "bad", "--target", "nope", "--api-key", "{key}"), "'nope'"),
    ],
)
def test_errors_exit_1_with_one_line_on_stderr(
    cli: Cli,
    penguins_csv: Path,
    alice: UserKey,
    tmp_path: Path,
    args: tuple[str, ...],
    message: str,
) -> None:
    values = {"csv": str(penguins_csv), "missing": str(tmp_path / "missing.csv"), "key": alice.key}
    result = cli(*(arg.format(**values) for arg in args))
    assert result.exit_code == 1
    assert result.stdout == ""
    stderr = result.stderr
    assert stderr.startswith("error: ") and message in stderr
    assert "Traceback" not in stderr


def test_bad_quality_option_is_a_usage_error(cli: Cli) -> None:
    result = cli("ls", "--quality", "NumberOfInstances:lots")
    assert result.exit_code == 2
    flat = " ".join(result.stderr.replace("│", " ").split())  # rich wraps the message in a box
    assert "bounds must be numbers" in flat
    assert parse_quality("NumberOfClasses:2") == ("NumberOfClasses", (2.0, 2.0))
    assert parse_quality("NumberOfInstances:..500") == ("NumberOfInstances", (None, 500.0))


def test_pull_refuses_a_missing_output_folder_unless_told_to_create_it(
    cli: Cli,
    penguins_csv: Path,
    alice: UserKey,
    run_jobs: Callable[[], int],
    tmp_path: Path,
) -> None:
    dataset_id = push(cli, penguins_csv, alice.key)
    run_jobs()
    target = tmp_path / "typo" / "nested" / "out.csv"

    refused = cli("pull", str(dataset_id), "--format", "csv", "-o", str(target))
    assert refused.exit_code == 1
    assert f"folder '{target.parent}' does not exist" in refused.stderr
    assert "--parents" in refused.stderr
    assert not (tmp_path / "typo").exists()  # nothing was created on the way

    created = cli("pull", str(dataset_id), "--format", "csv", "-o", str(target), "--parents")
    assert created.exit_code == 0, created.output
    assert f"creating folder '{target.parent}'" in created.stderr
    assert Path(created.stdout.strip()) == target
    assert len(pd.read_csv(target)) == len(pd.read_csv(penguins_csv))


def test_nominal_flag_makes_a_0_1_target_nominal_and_features_say_why(
    cli: Cli, tmp_path: Path, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    path = tmp_path / "churn.csv"
    rows = [f"{20 + i},{i % 2},{'n/a' if i == 3 else i * 10}" for i in range(20)]
    path.write_text("age,churned,spend\n" + "\n".join(rows) + "\n")
    plain = push(cli, path, alice.key, "--target", "churned")
    declared = push(cli, path, alice.key, "--target", "churned", "--nominal", "churned")
    run_jobs()

    before = cli("features", str(plain), "--json").stdout.splitlines()
    churned = next(f for f in map(json.loads, before) if f["name"] == "churned")
    assert churned["data_type"] == "numeric"
    assert churned["reason"].startswith("integer column with 2 distinct values 0/1: numeric")

    after = [
        json.loads(line) for line in cli("features", str(declared), "--json").stdout.splitlines()
    ]
    churned = next(f for f in after if f["name"] == "churned")
    assert (churned["data_type"], churned["nominal_values"]) == ("nominal", ["0", "1"])
    assert churned["reason"] == "declared nominal with nominal_attributes"

    table = cli("features", str(declared))
    assert table.exit_code == 0, table.output
    assert "declared nominal" in table.stdout and "nominal (target)" in table.stdout
    assert "1 of 20 values is not a number" in " ".join(table.stdout.split())


def test_push_refuses_a_numeric_flag_on_text_naming_the_values(
    cli: Cli, penguins_csv: Path, alice: UserKey
) -> None:
    result = cli(
        "push", str(penguins_csv), "--name", "p", "--numeric", "species", "--api-key", alice.key
    )
    assert result.exit_code == 1
    assert "column 'species' is declared numeric" in result.stderr
    assert "'Gentoo' (3)" in result.stderr


def test_pushing_the_same_file_again_prints_the_existing_id(
    cli: Cli, penguins_csv: Path, alice: UserKey
) -> None:
    first = push(cli, penguins_csv, alice.key)
    again = cli("push", str(penguins_csv), "--name", "penguins", "--target", "species",
                "--tag", "birds", "--api-key", alice.key)  # fmt: skip
    assert again.exit_code == 0, again.output
    assert int(again.stdout.strip()) == first
    assert f"identical to your dataset {first} (penguins version 1)" in again.stderr
    assert "--allow-duplicate" in again.stderr
