"""The client waits out a 429 (the server's Retry-After), within bounds, against the real app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import mlhive
from mlhive.client._http import HttpCore
from mlhive.server.app import create_app
from mlhive.server.config import Settings
from tests.conftest import UserKey


class Clock:
    """The server limiter's clock; the client's ``sleep`` moves it on instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def http(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    """Two reads and one write a minute per key."""
    app = create_app(
        settings.model_copy(
            update={
                "rate_limit_per_minute": 2,
                "rate_limit_burst": 2,
                "rate_limit_writes_per_minute": 1,
                "rate_limit_writes_burst": 1,
                "rate_limit_shared": False,  # the clock is a test double: no settling
            }
        )
    )
    app.state.rate_limits.clock = clock
    with TestClient(app) as client:
        yield client


def test_a_rate_limited_read_is_retried_after_retry_after(
    http: TestClient, alice: UserKey, clock: Clock
) -> None:
    core = HttpCore(http, alice.key, retries=2, sleep=clock.sleep)
    for _ in range(3):
        assert core.get_json("/api/datasets") is not None
    assert clock.slept == [30.0]


def test_a_json_post_is_retried_too_since_the_server_read_nothing(
    http: TestClient, alice: UserKey, clock: Clock
) -> None:
    core = HttpCore(http, alice.key, retries=2, sleep=clock.sleep)
    for _ in range(2):
        with pytest.raises(mlhive.InvalidInputError):
            core.request("POST", "/api/flows", json={})
    assert clock.slept == [60.0]


def test_a_wait_beyond_the_bound_raises_rate_limited_at_once(
    http: TestClient, alice: UserKey, clock: Clock
) -> None:
    core = HttpCore(http, alice.key, retries=2, max_retry_after=10, sleep=clock.sleep)
    core.get_json("/api/datasets")
    core.get_json("/api/datasets")
    with pytest.raises(mlhive.RateLimitedError) as caught:
        core.get_json("/api/datasets")
    assert caught.value.status == 429
    assert caught.value.retry_after == 30
    assert clock.slept == []


def test_the_retries_are_bounded(http: TestClient, alice: UserKey, clock: Clock) -> None:
    def no_time_passes(seconds: float) -> None:
        clock.slept.append(seconds)

    core = HttpCore(http, alice.key, retries=2, sleep=no_time_passes)
    core.get_json("/api/datasets")
    core.get_json("/api/datasets")
    with pytest.raises(mlhive.RateLimitedError):
        core.get_json("/api/datasets")
    assert clock.slept == [30.0, 30.0]
