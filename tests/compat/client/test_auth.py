"""Authentication through the real openml-python client: no key, a wrong key and a read-only
key get OpenML's answers (102, 103, 104), which the client turns into its own exceptions."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Callable, Iterator

import numpy as np
import openml
import pandas as pd
import pytest
from openml.exceptions import OpenMLNotAuthorizedError, OpenMLServerException

from conftest import Server, publish_frame

FRAME = pd.DataFrame({"size": np.arange(10, dtype=float), "label": pd.Categorical(["y", "n"] * 5)})


def read_key(server: Server, key: str) -> str:
    """A read-only key of the user ``key`` belongs to, issued through the native API."""
    request = urllib.request.Request(
        f"{server.url}/api/users/me/keys",
        data=json.dumps({"label": "compat", "scope": "read"}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return str(json.loads(response.read())["api_key"])


@pytest.fixture(scope="module")
def owner(server: Server) -> Iterator[tuple[str, int]]:
    """A user's write key and a private dataset of theirs, published as that user."""
    admin_key = openml.config.apikey
    key = server.new_user(f"reader-{uuid.uuid4().hex[:8]}")
    openml.config.apikey = key
    try:
        yield key, publish_frame(FRAME, "compat-auth", "label", visibility="private")
    finally:
        openml.config.apikey = admin_key


Use = Callable[[str | None], None]


@pytest.fixture
def acting_with() -> Iterator[Use]:
    """Switch the client's key for one test."""
    admin_key = openml.config.apikey

    def use(key: str | None) -> None:
        openml.config.apikey = key

    try:
        yield use
    finally:
        openml.config.apikey = admin_key


def test_a_write_without_a_key_asks_for_one(owner: tuple[str, int], acting_with: Use) -> None:
    acting_with(None)
    with pytest.raises(OpenMLNotAuthorizedError) as refused:
        openml.datasets.delete_dataset(owner[1])
    assert "requires authentication" in refused.value.message


def test_a_wrong_key_is_authentication_failed(owner: tuple[str, int], acting_with: Use) -> None:
    acting_with("mlh_" + "0" * 40)
    with pytest.raises(OpenMLServerException) as refused:
        openml.datasets.edit_dataset(owner[1], description="changed")
    assert refused.value.code == 103


def test_a_read_only_key_reads_private_data_and_cannot_write(
    server: Server, owner: tuple[str, int], acting_with: Use
) -> None:
    key, dataset_id = owner
    acting_with(read_key(server, key))
    dataset = openml.datasets.get_dataset(dataset_id, download_data=True)
    frame, *_ = dataset.get_data()
    assert dataset.name == "compat-auth" and len(frame) == len(FRAME)
    with pytest.raises(OpenMLServerException) as refused:
        dataset.push_tag("from-a-reader")
    assert refused.value.code == 104
    assert "read-only account" in refused.value.message
    with pytest.raises(OpenMLServerException) as deleting:
        openml.datasets.delete_dataset(dataset_id)
    assert deleting.value.code == 104
    acting_with(key)
    assert "from-a-reader" not in (openml.datasets.get_dataset(dataset_id).tag or [])
