"""Webhooks: a real receiving HTTP server on loopback (allowed by the operator's setting in
these tests) gets the events of its owner's inbox, signed, and a failed delivery is retried
and logged; by default a loopback target is refused at registration and at delivery."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.db.engine import transaction
from mlhive.server.services.social import webhooks
from mlhive.server.wiring import Hive
from tests.api.conftest import CSV, Upload
from tests.conftest import UserKey


@dataclass
class Receiver:
    url: str
    statuses: list[int]  # answered in turn; 200 once they run out
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            me = state[0]
            me.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = me.statuses.pop(0) if me.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook", [500]))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state[0]
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"webhook_allowed_hosts": "127.0.0.1", "webhook_retry_seconds": 0.0}
    )


DOC = Path(__file__).parents[2] / "docs" / "notifications.md"


def _documented_verify() -> Any:
    """The ``verify`` function of docs/notifications.md, run as written."""
    (code,) = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    names: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), names)
    return names["verify"]


def _verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """How a receiver checks a delivery: the example of docs/notifications.md."""
    verify = _documented_verify()
    return bool(verify(secret, headers["x-mlhive-timestamp"], headers["x-mlhive-signature"], body))


def test_a_webhook_is_delivered_signed_and_retried_after_a_failure(
    http: TestClient, hive: Hive, upload: Upload, alice: UserKey, bob: UserKey,
    receiver: Receiver,
) -> None:  # fmt: skip
    forged = {"url": receiver.url, "secret": "chosen-by-me"}
    refused = http.post("/api/webhooks", json=forged, headers=bob.headers)
    assert refused.status_code == 422 and "secret" in refused.text  # the server makes it
    made = http.post("/api/webhooks", json={"url": receiver.url}, headers=bob.headers)
    assert made.status_code == 201, made.text
    hook = made.json()
    secret = hook["secret"]
    assert len(secret) >= 32
    listed = http.get("/api/webhooks", headers=bob.headers).json()
    assert [h["url"] for h in listed] == [receiver.url] and "secret" not in listed[0]
    assert http.put("/api/watches", json={"target": "person:alice"}, headers=bob.headers)
    created = upload(alice, name="weather")
    assert created.status_code == 201
    hive.worker.drain()
    assert len(receiver.got) == 1  # answered 500
    log = http.get(f"/api/webhooks/{hook['id']}/deliveries", headers=bob.headers).json()
    assert [(d["attempt"], d["outcome"], d["status_code"]) for d in log] == [(1, "failed", 500)]
    assert log[0]["next_retry_at"] is not None and "HTTP 500" in log[0]["error"]

    hive.worker.run_periodic()  # the idle sweep queues the retry that is due
    hive.worker.drain()
    assert len(receiver.got) == 2
    log = http.get(f"/api/webhooks/{hook['id']}/deliveries", headers=bob.headers).json()
    assert [(d["attempt"], d["outcome"], d["status_code"]) for d in log] == [
        (2, "delivered", 200),
        (1, "failed", 500),
    ]
    hive.worker.run_periodic()
    assert hive.worker.drain() == 0  # nothing more to retry
    for attempt, (headers, body) in enumerate(receiver.got, start=1):
        assert _verified(secret, headers, body)
        assert not _verified("another secret", headers, body)
        assert not _verified(secret, headers, body + b" ")
        stale = {**headers, "x-mlhive-timestamp": str(int(headers["x-mlhive-timestamp"]) - 3600)}
        assert not _verified(secret, stale, body)  # an old (replayed) delivery
        sent = json.loads(body)
        assert sent["attempt"] == attempt and sent["reason"] == "watch"
        assert sent["event"]["verb"] == "dataset.created" and sent["event"]["actor"] == "alice"
        assert sent["event"]["subject"] == f"dataset:{created.json()['id']}"
        assert headers["x-mlhive-event"] == "dataset.created"
    # alice sees neither bob's webhooks nor their log
    assert http.get("/api/webhooks", headers=alice.headers).json() == []
    theirs = http.get(f"/api/webhooks/{hook['id']}/deliveries", headers=alice.headers)
    assert theirs.status_code == 404
    assert http.delete(f"/api/webhooks/{hook['id']}", headers=alice.headers).status_code == 404
    assert http.delete(f"/api/webhooks/{hook['id']}", headers=bob.headers).status_code == 204
    assert http.get("/api/webhooks", headers=bob.headers).json() == []


def test_a_delivery_gives_up_after_the_last_attempt_and_filters_verbs(
    settings: Settings, upload: Upload, alice: UserKey, bob: UserKey, receiver: Receiver
) -> None:
    receiver.statuses[:] = [503, 503, 503]
    app = create_app(settings.model_copy(update={"webhook_max_attempts": 2}))
    with TestClient(app) as client:
        hive: Hive = app.state.hive
        only_versions = {"url": receiver.url, "verbs": ["dataset.version"]}
        made = client.post("/api/webhooks", json=only_versions, headers=bob.headers)
        assert made.status_code == 201, made.text
        client.put("/api/watches", json={"target": "person:alice"}, headers=bob.headers)
        first = client.post(
            "/api/datasets",
            files={"file": ("d.csv", CSV.encode())},
            data={"metadata": json.dumps({"name": "rain", "default_target_attribute": "label"})},
            headers=alice.headers,
        )
        assert first.status_code == 201
        hive.worker.drain()
        assert receiver.got == []  # dataset.created is not a verb this webhook wants
        second = client.post(
            "/api/datasets",
            files={"file": ("d.csv", (CSV + "1,red,1.7,no,x\n").encode())},
            data={"metadata": json.dumps({"name": "rain", "default_target_attribute": "label"})},
            headers=alice.headers,
        )
        assert second.status_code == 201
        for _ in range(3):
            hive.worker.drain()
            hive.worker.run_periodic()
        log = client.get(f"/api/webhooks/{made.json()['id']}/deliveries", headers=bob.headers)
        assert [(d["attempt"], d["outcome"]) for d in log.json()] == [
            (2, "gave_up"),
            (1, "failed"),
        ]
        assert log.json()[0]["next_retry_at"] is None
        assert len(receiver.got) == 2
        unknown = client.post(
            "/api/webhooks", json={"url": receiver.url, "verbs": ["nope"]}, headers=bob.headers
        )
        assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]


def test_a_loopback_webhook_is_refused_by_default(
    settings: Settings, alice: UserKey, receiver: Receiver
) -> None:
    app = create_app(settings.model_copy(update={"webhook_allowed_hosts": ""}))
    with TestClient(app) as client:
        for url in (receiver.url, "http://localhost:9/hook", "http://10.0.0.1/hook",
                    "http://169.254.169.254/latest", "ftp://example.org/x"):  # fmt: skip
            refused = client.post("/api/webhooks", json={"url": url}, headers=alice.headers)
            assert refused.status_code == 422, (url, refused.text)
            assert refused.json()["code"] == "url_refused"
        detail = client.post(
            "/api/webhooks", json={"url": receiver.url}, headers=alice.headers
        ).json()["detail"]
        assert "127.0.0.1" in detail and "loopback" in detail
        assert "MLHIVE_WEBHOOK_ALLOWED_HOSTS" in detail
        assert client.get("/api/webhooks", headers=alice.headers).json() == []
    assert receiver.got == []


def test_a_target_refused_since_registration_is_not_called(
    hive: Hive, http: TestClient, upload: Upload, alice: UserKey, bob: UserKey,
    receiver: Receiver,
) -> None:  # fmt: skip
    made = http.post("/api/webhooks", json={"url": receiver.url}, headers=bob.headers).json()
    http.put("/api/watches", json={"target": "person:alice"}, headers=bob.headers)
    assert upload(alice, name="snow").status_code == 201
    with transaction(hive.sessions) as session:
        event_id = session.scalar(webhooks.select(webhooks.Event.id))
        assert event_id is not None
        planned = webhooks.plan(session, made["id"], event_id, 1)
    assert planned is not None
    strict = hive.settings.model_copy(update={"webhook_allowed_hosts": ""})
    outcome = webhooks.send(strict, planned)
    assert outcome.outcome == "refused" and "loopback" in (outcome.error or "")
    assert receiver.got == []
