"""The database in force keeps committed writes through a crash, and the log says how."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mlhive.server.db.durability import durability
from mlhive.server.wiring import Hive

EXPECTED = {
    "sqlite": {"journal_mode": "wal", "synchronous": "full"},
    "postgresql": {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"},
}


def test_the_database_runs_with_durable_settings(hive: Hive) -> None:
    dialect = hive.engine.dialect.name
    assert durability(hive.engine) == EXPECTED[dialect]


def test_the_settings_are_logged_in_one_info_line_at_start(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="mlhive"), TestClient(app):
        pass
    found = [r for r in caplog.records if "durability" in r.getMessage()]
    assert [r.levelno for r in found] == [logging.INFO]
    lines = [r.getMessage() for r in found]
    dialect = app.state.hive.engine.dialect.name
    expected = " ".join(f"{k}={v}" for k, v in EXPECTED[dialect].items())
    assert lines[0] == f"database durability: {dialect}: {expected}"
