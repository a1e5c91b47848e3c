"""Choosing a blob store from a configured URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlhive.server.storage import FsspecBlobStore, LocalBlobStore, open_blob_store


@pytest.mark.parametrize("url", ["", "local", "  "])
def test_default_is_a_folder_under_the_data_dir(tmp_path: Path, url: str) -> None:
    store = open_blob_store(url, data_dir=tmp_path)
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "blobstore"


def test_relative_path_is_under_the_data_dir(tmp_path: Path) -> None:
    store = open_blob_store("my-blobs", data_dir=tmp_path)
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "my-blobs"


def test_absolute_path_and_file_url_name_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    by_path = open_blob_store(str(folder), data_dir=tmp_path / "data")
    by_url = open_blob_store(folder.as_uri(), data_dir=tmp_path / "data")
    assert isinstance(by_path, LocalBlobStore)
    assert isinstance(by_url, LocalBlobStore)
    assert by_path.root == by_url.root == folder
    info = by_path.put(b"shared")
    assert by_url.exists(info.sha256)


def test_file_url_of_another_host_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="host"):
        open_blob_store("file://fileserver/share", data_dir=tmp_path)


def test_other_urls_use_fsspec_with_staging_under_the_data_dir(tmp_path: Path) -> None:
    store = open_blob_store("memory://mlhive-open-test", data_dir=tmp_path)
    assert isinstance(store, FsspecBlobStore)
    assert store.url == "memory://mlhive-open-test"
    assert store.staging_dir == tmp_path / "blob-staging"
    info = store.put(b"remote")
    assert store.local_path(info.sha256) is None
    store.delete(info.sha256)
    assert not store.exists(info.sha256)


def test_storage_options_stay_out_of_the_url(tmp_path: Path) -> None:
    options = {"key": "access-key-id", "secret": "hunter2"}
    store = FsspecBlobStore("memory://mlhive-secret-test", options)
    assert store.url == "memory://mlhive-secret-test"
    assert "hunter2" not in repr(store)
