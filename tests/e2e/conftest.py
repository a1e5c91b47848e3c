"""End-to-end tests use the client fixtures: the real client over the real app in-process."""

from __future__ import annotations

from tests.client.conftest import (  # noqa: F401 - fixtures are found by name
    _isolated_config,
    cache_dir,
    client,
    make_client,
)
