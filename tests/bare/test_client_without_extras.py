"""``pip install mlhive`` with no extras: the package imports, the CLI starts, the client
publishes, finds and downloads a dataset from a live server."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from tests.served import Served

import mlhive


@pytest.mark.parametrize("module", ["fastapi", "sqlalchemy", "sklearn", "uvicorn", "alembic"])
def test_this_environment_has_no_server_dependencies(module: str) -> None:
    assert importlib.util.find_spec(module) is None


def test_the_package_imports_with_its_version_and_type_marker() -> None:
    assert mlhive.__version__.count(".") == 2
    assert (Path(mlhive.__file__).parent / "py.typed").is_file()
    assert "mlhive.server" not in sys.modules


def test_the_cli_starts_and_explains_its_commands() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("mlhive")), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "dataset" in done.stdout
    assert "model" in done.stdout


def test_the_client_publishes_finds_and_downloads_a_dataset(server: Served, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"x": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], "colour": list("rgbrgb"), "y": list("aabbab")}
    )
    with mlhive.Client(server.url, api_key=server.api_key) as client:
        published = client.datasets.publish(frame, name="bare-client", target="y")
        ready = client.datasets.wait_processed(published.id, timeout=120)
        assert ready.default_target_attribute == "y"
        listed = client.datasets.list(name="bare-client", status="all")
        assert list(listed["id"]) == [published.id]
        X, y = client.datasets.get(published.id).get_data()
    assert list(X.columns) == ["x", "colour"]
    assert list(y) == list("aabbab")
    assert X["x"].tolist() == frame["x"].tolist()


def test_a_bad_key_is_a_typed_error_not_a_crash(server: Served) -> None:
    with (
        mlhive.Client(server.url, api_key="not-a-key") as client,
        pytest.raises(mlhive.AuthenticationError),
    ):
        client.datasets.publish(pd.DataFrame({"a": [1]}), name="refused")
