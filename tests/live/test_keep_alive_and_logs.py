"""A real server: a 500 leaves the keep-alive connection usable, and no form of an API key
reaches the log."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from tests.live.conftest import LiveServer
from tests.live.failing_app import FAILURE_PATH

pytestmark = pytest.mark.live


def _local_port(response: httpx.Response) -> int:
    """The client-side port of the connection the response came on."""
    return int(response.extensions["network_stream"].get_extra_info("client_addr")[1])


def test_a_server_error_keeps_the_connection_usable(live: LiveServer) -> None:
    live.start_factory("tests.live.failing_app:create")
    with httpx.Client(base_url=live.url, headers=live.headers) as client:
        failed = client.get(FAILURE_PATH, params={"api_key": live.admin_key})
        failed_on = _local_port(failed)
        after = client.get("/api/health")
        after_on = _local_port(after)
    assert failed.status_code == 500
    assert failed.json()["code"] == "internal"
    assert "close" not in failed.headers.get("connection", "")
    assert after.status_code == 200
    assert after_on == failed_on  # the same connection, not a new one
    live.stop()
    log = live.log.read_text()
    assert f"unhandled error on GET {FAILURE_PATH}" in log and "PlannedFailure" in log
    assert "Exception in ASGI application" not in log  # answered, not escaped to uvicorn
    assert live.admin_key not in log


def test_no_form_of_a_key_reaches_the_log(live: LiveServer) -> None:
    live.start()
    key = live.admin_key
    encoded = "".join(f"%{byte:02X}" for byte in key.encode())
    face = "/api/v1/xml/data/list"
    with httpx.Client(base_url=live.url) as client:
        answers = [
            client.get("/api/datasets", headers=live.headers),
            client.get(f"{face}?api_key={key}"),
            client.get(f"{face}?api%5Fkey={key}"),
            client.get(f"{face}?API_KEY={key}&limit=5"),
            client.get(f"{face}?api_key={encoded}"),
            client.get(f"{face}?api_key={key}&api_key={quote(key)}"),
            client.get(f"{face}?api_key={key[:-2]}xx"),  # a wrong key is a secret too
            client.post("/api/v1/xml/data/tag", data={"api_key": key, "data_id": 1, "tag": "x"}),
        ]
    assert [a.status_code for a in answers[:2]] == [200, 412]  # the key worked; no datasets
    assert answers[2].status_code == 412 and "<oml:code>372</oml:code>" in answers[2].text
    live.stop()
    log = live.log.read_text()
    for form in (key, encoded, encoded.lower(), quote(key), key[:-2]):
        assert form not in log
    assert f'"GET {face}?api%5Fkey=*** HTTP/1.1" 412' in log
    assert f'"GET {face}?API_KEY=***&limit=5 HTTP/1.1"' in log
    assert '"POST /api/v1/xml/data/tag HTTP/1.1"' in log
