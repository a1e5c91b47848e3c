"""The real client over the real app in-process (Starlette's TestClient, no sockets)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from mlhive import Client
from tests.conftest import UserKey

MakeClient = Callable[..., Client]


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither the developer's environment nor config file may leak into a test."""
    for name in ("MLHIVE_URL", "MLHIVE_API_KEY", "MLHIVE_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLHIVE_CONFIG", str(tmp_path / "no-config.toml"))


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def make_client(http: TestClient, cache_dir: Path) -> MakeClient:
    """Factory: ``make_client(alice)`` is a Client acting as alice; ``make_client()`` anonymous."""

    def make(user: UserKey | None = None, **kwargs: object) -> Client:
        options: dict[str, object] = {"cache_dir": cache_dir, "retries": 0, **kwargs}
        return Client(api_key=user.key if user else None, http_client=http, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def client(make_client: MakeClient, alice: UserKey) -> Client:
    """A client acting as alice."""
    return make_client(alice)


def mixed_frame(rows: int = 40) -> pd.DataFrame:
    """Numeric, categorical (with missing), string, bool, datetime and non-ASCII values."""
    rng = np.random.default_rng(7)
    colour = pd.Categorical(
        [["rot", "grün", "blau"][i % 3] if i % 7 else None for i in range(rows)],
        categories=["rot", "grün", "blau"],
    )
    return pd.DataFrame(
        {
            "height": rng.normal(170, 10, rows).round(2),
            "count": np.arange(rows, dtype="int64"),
            "colour": colour,
            "comment": pd.array([f"naïve café №{i} 日本" for i in range(rows)], dtype="str"),
            "flag": [i % 2 == 0 for i in range(rows)],
            "seen": pd.date_range("2024-01-01", periods=rows, freq="D"),
            "label": pd.Categorical(["yes" if i % 3 else "no" for i in range(rows)]),
        }
    )
