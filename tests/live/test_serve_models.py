"""``mlhive serve-models``: several worker processes that answer deployment calls (and health)
and nothing else, follow a promotion made on the main server, and count their calls where the
main server reads them."""

from __future__ import annotations

import json
import time

import httpx
import skops.io as sio

from tests.api.serving import classifier
from tests.live.conftest import LiveServer

ROWS = {"rows": [{"x1": 2.0, "x2": 1.0}, {"x1": -2.0, "x2": -1.5}]}


def push(http: httpx.Client, headers: dict[str, str], flip: bool) -> str:
    pushed = http.post(
        "/api/models/admin/clf/commits",
        files={"file": ("model.skops", sio.dumps(classifier(flip=flip)))},
        data={"metadata": json.dumps({"message": "flipped" if flip else "first"})},
        headers=headers,
    )
    assert pushed.status_code == 201, pushed.text
    commit: str = pushed.json()["id"]
    return commit


def promote(http: httpx.Client, headers: dict[str, str], commit: str) -> None:
    moved = http.post(
        "/api/models/admin/clf/aliases/production", json={"commit": commit}, headers=headers
    )
    assert moved.status_code == 200, moved.text


def test_serve_models_answers_calls_in_several_workers_and_refuses_other_routes(
    live: LiveServer,
) -> None:
    live.start()
    models = LiveServer(live.data_dir, live.env)
    with httpx.Client(base_url=live.url, timeout=60) as http:
        assert http.post("/api/models", json={"name": "clf"}, headers=live.headers).is_success
        first, second = push(http, live.headers, False), push(http, live.headers, True)
        promote(http, live.headers, first)
        spec = {
            "name": "scorer",
            "repo": "admin/clf",
            "alias": "production",
            "visibility": "public",
        }
        assert http.post("/api/deployments", json=spec, headers=live.headers).status_code == 201
        models._run(
            [
                *("mlhive.cli.main", "serve-models", "--port", str(models.port)),
                *("--workers", "2", "--data-dir", str(live.data_dir)),
            ]
        )
        try:
            calls = 0
            for _ in range(20):  # a new connection each: both workers take calls
                answer = httpx.post(f"{models.url}/api/deployments/scorer/predict", json=ROWS)
                calls += 1
                assert answer.status_code == 200, answer.text
                assert (answer.json()["commit"], answer.json()["predictions"]) == (
                    first,
                    ["hi", "lo"],
                )
            for path in ("/api/deployments/scorer", "/api/datasets", "/deployments"):
                assert httpx.get(f"{models.url}{path}").status_code == 404, path
            promote(http, live.headers, second)
            deadline = time.monotonic() + 60
            seen = first
            while seen != second and time.monotonic() < deadline:  # within a second or so
                answer = httpx.post(f"{models.url}/api/deployments/scorer/predict", json=ROWS)
                calls += 1
                assert answer.status_code == 200, answer.text
                seen = answer.json()["commit"]
            assert seen == second and answer.json()["predictions"] == ["lo", "hi"]
        finally:
            models.stop()  # the workers write what they counted as they stop
        counted = http.get("/api/deployments/scorer").json()
        assert (counted["requests"], counted["errors"]) == (calls, 0)
        assert http.get("/api/deployments/scorer/metrics").json()["latency"]["calls"] == calls
