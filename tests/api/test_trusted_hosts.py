"""A forged Host header never reaches an absolute URL: it is refused, or public_url wins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mlhive.server.app import create_app
from mlhive.server.config import LOOPBACK_HOSTS, Settings
from mlhive.server.http.hosts import host_name
from mlhive.server.wiring import Hive
from tests.conftest import UserKey
from tests.factories import actor_of, publish

EVIL = {"Host": "evil.example"}


def _oml_url(client: TestClient, dataset_id: int, headers: dict[str, str]) -> str:
    response = client.get(f"/api/v1/xml/data/{dataset_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.text.split("<oml:url>")[1].split("</oml:url>")[0]


@pytest.fixture
def dataset_id(hive: Hive, alice: UserKey) -> int:
    return publish(hive, actor_of(hive, alice))


def test_an_untrusted_host_gets_400_naming_the_setting_on_every_face(
    http: TestClient, dataset_id: int
) -> None:
    for path in (f"/api/v1/xml/data/{dataset_id}", "/api/health", "/", "/datasets"):
        response = http.get(path, headers=EVIL)
        assert response.status_code == 400, path
        problem = response.json()
        assert "evil.example" in problem["detail"] and "MLHIVE_TRUSTED_HOSTS" in problem["detail"]
        assert "MLHIVE_PUBLIC_URL" in problem["detail"]
        assert response.headers["x-content-type-options"] == "nosniff"
    assert http.post("/api/datasets", headers=EVIL).status_code == 400


def test_a_trusted_host_with_a_port_names_itself_in_the_urls(
    http: TestClient, dataset_id: int
) -> None:
    url = _oml_url(http, dataset_id, {"Host": "TestServer:8080"})
    assert url.lower().startswith("http://testserver:8080/data/v1/download/")


@pytest.fixture
def behind_proxy(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"public_url": "https://hive.example.org/"}))
    with TestClient(app) as client:
        yield client


def test_with_a_public_url_every_host_is_answered_with_the_public_url(
    behind_proxy: TestClient, alice: UserKey
) -> None:
    hive: Hive = behind_proxy.app.state.hive  # type: ignore[attr-defined]
    dataset_id = publish(hive, actor_of(hive, alice))
    url = _oml_url(behind_proxy, dataset_id, EVIL)
    assert url.startswith("https://hive.example.org/data/v1/download/")
    health = behind_proxy.get("/api/health", headers={"Host": "10.0.0.7:8000"})
    assert health.status_code == 200


def test_loopback_names_are_trusted_by_default_and_star_trusts_any() -> None:
    assert Settings().trusted_host_names == frozenset(LOOPBACK_HOSTS)
    assert Settings(trusted_hosts=" a.example , B.example,").trusted_host_names == {
        "a.example",
        "b.example",
    }
    assert [host_name(h) for h in ("[::1]:8000", "::1", "Localhost:80", "x.example")] == [
        "::1",
        "::1",
        "localhost",
        "x.example",
    ]


def test_star_trusts_any_host(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"trusted_hosts": "*"}))
    with TestClient(app) as client:
        assert client.get("/api/health", headers=EVIL).status_code == 200
