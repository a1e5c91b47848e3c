"""Helpers for API tests: upload a file with metadata in one call."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.forge import Push
from tests.conftest import UserKey

CSV = (
    "age,colour,height,label,comment\n"
    "31,red,1.71,yes,plain\n"
    '45,blue,,no,"with, comma"\n'
    "27,red,1.62,yes,Zürich\n"
    ",green,1.80,no,東京\n"
    "52,blue,1.75,yes,ok\n"
    "38,red,1.68,no,fine\n"
)

Upload = Callable[..., httpx.Response]


@pytest.fixture
def upload(http: TestClient) -> Upload:
    """``upload(user, content=CSV, filename="data.csv", **metadata)`` posts a dataset."""

    def post(
        user: UserKey | None,
        content: bytes | str = CSV,
        filename: str = "data.csv",
        **metadata: Any,
    ) -> httpx.Response:
        meta = {"name": "people", "default_target_attribute": "label", **metadata}
        body = content.encode() if isinstance(content, str) else content
        return http.post(
            "/api/datasets",
            files={"file": (filename, body)},
            data={"metadata": json.dumps(meta)},
            headers=user.headers if user else {},
        )

    return post


@pytest.fixture
def push(http: TestClient) -> Push:
    """``push(user, "alice/net", content, filename="model.safetensors", **metadata)``."""

    def post(
        user: UserKey | None,
        repo: str,
        content: bytes,
        filename: str = "model.safetensors",
        **metadata: Any,
    ) -> httpx.Response:
        return http.post(
            f"/api/models/{repo}/commits",
            files={"file": (filename, content)},
            data={"metadata": json.dumps(metadata)},
            headers=user.headers if user else {},
        )

    return post
