"""The local cache: data by content hash, descriptions kept for offline use."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import mlhive
from mlhive import Client
from mlhive.client.cache import Cache
from tests.client.conftest import mixed_frame


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def offline_client(cache_dir: Path, **kwargs: object) -> Client:
    """A client for the same server address whose every connection attempt fails."""
    http = httpx.Client(base_url="http://testserver", transport=httpx.MockTransport(refuse))
    return Client(http_client=http, cache_dir=cache_dir, retries=0, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def requests_seen(http: TestClient) -> list[str]:
    """Paths of every request the test client sends from now on."""
    seen: list[str] = []
    http.event_hooks["request"].append(lambda request: seen.append(request.url.path))
    return seen


def test_data_is_downloaded_once_and_stored_by_hash(
    client: Client, run_jobs: Callable[[], int], cache_dir: Path, requests_seen: list[str]
) -> None:
    dataset = client.datasets.publish(mixed_frame(), name="cached")
    run_jobs()
    first = client.datasets.get(dataset.id).to_pandas()
    data_path = f"/api/datasets/{dataset.id}/data"
    assert requests_seen.count(data_path) == 1

    blob = cache_dir / "blobs" / f"{dataset.data_sha256}.parquet"
    assert hashlib.sha256(blob.read_bytes()).hexdigest() == dataset.data_sha256

    requests_seen.clear()
    second = client.datasets.get(dataset.id).to_pandas()
    assert requests_seen == [f"/api/datasets/{dataset.id}"]  # the description only
    pd.testing.assert_frame_equal(first, second)


def test_cached_dataset_works_with_the_server_gone(
    client: Client, run_jobs: Callable[[], int], cache_dir: Path
) -> None:
    original = mixed_frame()
    dataset = client.datasets.publish(original, name="offline", target="label")
    run_jobs()
    online = client.datasets.get(dataset.id)
    online.to_pandas()
    assert online.qualities["NumberOfInstances"] == 40

    offline = offline_client(cache_dir)
    with pytest.warns(mlhive.CachedDataWarning, match="cached description") as caught:
        again = offline.datasets.get(dataset.id)
    assert caught[0].filename == __file__  # points at the caller's line
    assert (again.name, again.data_sha256) == ("offline", dataset.data_sha256)
    pd.testing.assert_frame_equal(again.to_pandas(), original)
    with pytest.warns(mlhive.CachedDataWarning, match="cached qualities"):
        assert again.qualities["NumberOfInstances"] == 40


def test_offline_without_cache_is_connection_failed(cache_dir: Path) -> None:
    with pytest.raises(mlhive.ConnectionFailed, match="http://testserver"):
        offline_client(cache_dir).datasets.get(1)


def test_a_download_with_the_wrong_hash_is_rejected_and_not_kept(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "http://hive")
    good = hashlib.sha256(b"expected bytes").hexdigest()
    with pytest.raises(mlhive.CorruptDownloadError, match=good):
        cache.put_blob(good, [b"tampered ", b"bytes"])
    assert not cache.has_blob(good)
    assert list((tmp_path / "blobs").iterdir()) == []
    assert cache.put_blob(good, [b"expected ", b"bytes"]).read_bytes() == b"expected bytes"


def test_descriptions_are_kept_per_server(tmp_path: Path) -> None:
    one, two = Cache(tmp_path, "http://one:8000"), Cache(tmp_path, "https://two.example/hive")
    one.save_json(1, "description", {"name": "from-one"})
    assert one.load_json(1, "description") == {"name": "from-one"}
    assert two.load_json(1, "description") is None
