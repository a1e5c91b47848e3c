"""Client settings: explicit arguments > environment > config file > defaults."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from mlhive import Client
from mlhive.client.config import DEFAULT_URL, resolve


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('url = "http://from-file:1"\napi_key = "file-key"\n', encoding="utf-8")
    return path


def test_explicit_arguments_win(config_path: Path, tmp_path: Path) -> None:
    env = {
        "MLHIVE_URL": "http://from-env:2",
        "MLHIVE_API_KEY": "env-key",
        "MLHIVE_CONFIG": str(config_path),
    }
    config = resolve("http://explicit:3/", "explicit-key", tmp_path / "c", environ=env)
    assert (config.url, config.api_key, config.cache_dir) == (
        "http://explicit:3",
        "explicit-key",
        tmp_path / "c",
    )


def test_environment_beats_config_file(config_path: Path) -> None:
    env = {"MLHIVE_URL": "http://from-env:2", "MLHIVE_CONFIG": str(config_path)}
    config = resolve(environ=env)
    assert config.url == "http://from-env:2"
    assert config.api_key == "file-key"  # not in the environment: the file's


def test_defaults_without_environment_or_file(tmp_path: Path) -> None:
    config = resolve(environ={"MLHIVE_CONFIG": str(tmp_path / "missing.toml")})
    assert config.url == DEFAULT_URL
    assert config.api_key is None
    assert config.cache_dir == Path(platformdirs.user_cache_dir("mlhive"))


def test_empty_api_key_forces_anonymous(config_path: Path) -> None:
    assert resolve(api_key="", environ={"MLHIVE_CONFIG": str(config_path)}).api_key is None


def test_broken_config_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text("url = ", encoding="utf-8")
    with pytest.raises(ValueError, match=r"config\.toml"):
        resolve(environ={"MLHIVE_CONFIG": str(bad)})


def test_client_reads_environment_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLHIVE_URL", "http://hive.example:9000")
    monkeypatch.setenv("MLHIVE_API_KEY", "secret-key-123")
    with Client() as client:
        assert client.url == "http://hive.example:9000"
        assert "secret-key-123" not in repr(client)
        assert "secret-key-123" not in repr(client.config)
