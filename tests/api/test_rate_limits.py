"""Budgets per API key and per address: over budget, every face answers 429 with Retry-After.

The audit sent 300 requests with one key in 2.4 s and all were answered. Here the budget is
small (settings) and the limiter's clock is a test double, so waiting costs no time.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.http.ratelimit import RateLimits
from tests.conftest import MakeUser, UserKey


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Iterator[FastAPI]:
    """Five reads and two writes a minute per key (no burst beyond); an address gets 3x."""
    limited = settings.model_copy(
        update={
            "rate_limit_per_minute": 5,
            "rate_limit_burst": 5,
            "rate_limit_writes_per_minute": 2,
            "rate_limit_writes_burst": 2,
            "rate_limit_address_factor": 3,
            "rate_limit_shared": False,  # the clock is a test double: no settling by wall clock
        }
    )
    app = create_app(limited)
    limits: RateLimits = app.state.rate_limits
    limits.clock = clock
    yield app
    app.state.hive.worker.stop()
    app.state.hive.engine.dispose()


def test_one_request_over_a_key_s_budget_is_429_with_retry_after(
    http: TestClient, alice: UserKey
) -> None:
    for _ in range(5):
        assert http.get("/api/datasets", headers=alice.headers).status_code == 200
    response = http.get("/api/datasets", headers=alice.headers)
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "12"  # one read every 60/5 s
    problem = response.json()
    assert problem["code"] == "rate_limited"
    assert problem["retry_after"] == 12
    assert "this API key" in problem["detail"]


def test_another_key_is_unaffected_and_the_wait_restores_the_budget(
    http: TestClient, alice: UserKey, bob: UserKey, clock: Clock
) -> None:
    for _ in range(5):
        http.get("/api/datasets", headers=alice.headers)
    assert http.get("/api/datasets", headers=alice.headers).status_code == 429
    assert http.get("/api/datasets", headers=bob.headers).status_code == 200
    clock.now += 11
    assert http.get("/api/datasets", headers=alice.headers).status_code == 429
    clock.now += 1
    assert http.get("/api/datasets", headers=alice.headers).status_code == 200


def test_writes_have_their_own_smaller_budget(http: TestClient, alice: UserKey) -> None:
    for _ in range(2):
        assert http.post("/api/flows", headers=alice.headers, json={}).status_code == 422
    limited = http.post("/api/flows", headers=alice.headers, json={})
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "30"
    assert "too many writes" in limited.json()["detail"]
    assert http.get("/api/datasets", headers=alice.headers).status_code == 200


def test_anonymous_requests_share_their_address_s_larger_budget(
    http: TestClient, alice: UserKey
) -> None:
    for _ in range(15):
        assert http.get("/api/health").status_code == 200
    response = http.get("/api/health")
    assert response.status_code == 429
    assert "this address" in response.json()["detail"]
    # Random keys do not buy a fresh budget: keyed requests also spend the address's.
    assert http.get("/api/datasets", headers=alice.headers).status_code == 429


def test_the_openml_face_answers_oml_error_107_which_openml_python_retries(
    http: TestClient,
) -> None:
    for _ in range(15):
        http.get("/api/v1/xml/data/list")
    response = http.get("/api/v1/xml/data/list")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "4"
    assert "<oml:code>107</oml:code>" in response.text
    assert "too many reads from this address" in response.text


def test_the_v2_face_answers_server_apis_problem_document(http: TestClient) -> None:
    for _ in range(15):
        http.get("/api/v2/tasktype/list")
    response = http.get("/api/v2/tasktype/list")
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "4"
    body = response.json()
    assert body["type"] == "https://openml.org/problems/rate-limited" and body["status"] == 429
    assert "too many reads from this address" in body["detail"]


def test_a_web_page_answers_an_html_429_page(http: TestClient) -> None:
    for _ in range(15):
        http.get("/")
    response = http.get("/datasets")
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"] == "4"
    assert "Slow down" in response.text
    assert http.get("/static/mlhive.css").status_code != 429  # assets are not counted


def test_zero_requests_a_minute_switches_the_limit_off(settings: Settings) -> None:
    app = create_app(
        settings.model_copy(update={"rate_limit_per_minute": 0, "rate_limit_burst": 1})
    )
    try:
        with TestClient(app) as http:
            assert all(http.get("/api/health").status_code == 200 for _ in range(20))
    finally:
        app.state.hive.engine.dispose()


def test_servers_on_one_database_keep_one_budget_between_them(
    settings: Settings, alice: UserKey, bob: UserKey, make_user: MakeUser
) -> None:
    """Two server processes (two apps on one database) settle their budgets: a key that spent
    its reads on one is refused by the other, even by the one that never saw it, and a key
    that spent nothing is still served."""
    carol = make_user("carol")
    shared = settings.model_copy(
        update={
            "rate_limit_per_minute": 5,
            "rate_limit_burst": 5,
            "rate_limit_address_factor": 20,
            "rate_limit_shared": True,
        }
    )
    apps = [create_app(shared), create_app(shared)]
    try:
        # Not started (no lifespan): no settling thread, the test settles by hand.
        first, second = (TestClient(app) for app in apps)
        for client in (first, second):
            for _ in range(3):
                assert client.get("/api/datasets", headers=alice.headers).status_code == 200
        for _ in range(5):
            assert first.get("/api/datasets", headers=carol.headers).status_code == 200
        for app in (*apps, *apps):
            app.state.rate_limits.settle(app.state.hive)
        # Six reads of five: both refuse alice now, with the wait her debt needs.
        for client in (first, second):
            refused = client.get("/api/datasets", headers=alice.headers)
            assert refused.status_code == 429
            assert int(refused.headers["Retry-After"]) >= 12
        # Carol spent her five on the first only: the second refuses her, unseen.
        assert second.get("/api/datasets", headers=carol.headers).status_code == 429
        assert second.get("/api/datasets", headers=bob.headers).status_code == 200
    finally:
        for app in apps:
            app.state.hive.engine.dispose()


def test_budgets_are_shared_by_default_on_postgresql_only(settings: Settings) -> None:
    assert settings.rate_limits_shared is settings.resolved_database_url.startswith("postgresql")
    assert settings.model_copy(update={"rate_limit_shared": True}).rate_limits_shared
