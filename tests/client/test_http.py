"""Transport behaviour: retries, streamed uploads, progress on stderr."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
import pytest

import mlhive
from mlhive import Client
from mlhive.client._http import HttpCore

HEALTH = {"status": "ok", "version": "9", "database": "sqlite", "storage": "file"}


def mock_client(handler: Callable[[httpx.Request], httpx.Response], tmp_path: Path) -> Client:
    http = httpx.Client(base_url="http://hive", transport=httpx.MockTransport(handler))
    return Client(http_client=http, cache_dir=tmp_path / "cache", api_key="k", retries=2)


def mock_core(handler: Callable[[httpx.Request], httpx.Response], waits: list[float]) -> HttpCore:
    """An HTTP core that records its back-off waits instead of sleeping."""
    http = httpx.Client(base_url="http://hive", transport=httpx.MockTransport(handler))
    return HttpCore(http, "k", retries=2, sleep=waits.append)


def test_idempotent_requests_are_retried_but_uploads_are_not(tmp_path: Path) -> None:
    calls: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1 or request.method == "POST":
            raise httpx.ConnectError("reset", request=request)
        return httpx.Response(200, json=HEALTH)

    waits: list[float] = []
    assert mock_core(flaky, waits).get_json("/api/health")["version"] == "9"
    assert calls == ["GET", "GET"]
    assert waits == [0.5]

    calls.clear()
    with pytest.raises(mlhive.ConnectionFailed, match="http://hive"):
        mock_client(flaky, tmp_path).datasets.publish(pd.DataFrame({"a": [1]}), name="x")
    assert calls == ["POST"]


def test_service_unavailable_is_retried_then_reported() -> None:
    calls: list[int] = []

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, json={"code": "internal", "detail": "maintenance"})

    waits: list[float] = []
    with pytest.raises(mlhive.ServerError, match="maintenance"):
        mock_core(down, waits).get_json("/api/health")
    assert len(calls) == 3
    assert waits == [0.5, 1.0]


def test_a_download_is_retried_until_the_server_answers() -> None:
    answers = [httpx.Response(502), httpx.Response(200, content=b"blob bytes")]

    def recovering(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    waits: list[float] = []
    with mock_core(recovering, waits).stream("GET", "/api/blob") as response:
        assert response.read() == b"blob bytes"
    assert waits == [0.5]
    assert answers == []


def test_file_upload_is_streamed_in_chunks_with_a_content_length(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("a,b\n")
        out.writelines(f"{i},{i * 2}\n" for i in range(300_000))
    chunks: list[int] = []
    declared: list[int] = []

    class ChunkCounting(httpx.BaseTransport):
        # Unlike MockTransport, this does not read the whole request body up front.
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            declared.append(int(request.headers["content-length"]))
            chunks.extend(len(chunk) for chunk in request.stream)  # type: ignore[union-attr]
            return httpx.Response(401, json={"code": "unauthenticated", "detail": "stop"})

    http = httpx.Client(base_url="http://hive", transport=ChunkCounting())
    client = Client(http_client=http, cache_dir=tmp_path / "cache", api_key="k")
    with pytest.raises(mlhive.AuthenticationError):
        client.datasets.publish(path, name="big")
    assert sum(chunks) == declared[0] > path.stat().st_size
    assert max(chunks) < path.stat().st_size / 10  # never the whole file at once


def test_progress_bar_goes_to_stderr_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def server(request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(413, json={"code": "payload_too_large", "detail": "over limit"})

    with pytest.raises(mlhive.PayloadTooLargeError, match="over limit"):
        mock_client(server, tmp_path).datasets.publish(
            pd.DataFrame({"a": range(100)}), name="shown", progress=True
        )
    captured = capsys.readouterr()
    assert "upload shown.parquet" in captured.err
    assert captured.out == ""
