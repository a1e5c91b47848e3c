"""Helpers for model-forge tests: repositories, tensors and estimators to push over the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
from fastapi.testclient import TestClient
from safetensors.numpy import save

from tests.conftest import UserKey

Push = Callable[..., httpx.Response]


def tensors_bytes(tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> bytes:
    """A safetensors file holding ``tensors``."""
    return save(tensors, metadata=metadata)


def skops_bytes(estimator: Any) -> bytes:
    import skops.io as sio

    data: bytes = sio.dumps(estimator)
    return data


def make_repo(http: TestClient, user: UserKey, name: str = "net", **fields: Any) -> dict[str, Any]:
    response = http.post("/api/models", json={"name": name, **fields}, headers=user.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def random_tensors(n: int = 10, size: int = 1000, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"layer{i:03d}.weight": rng.normal(size=size).astype(np.float32) for i in range(n)}
