"""``mlhive watch``, ``mlhive inbox`` and ``mlhive activity``: watch a person, see their new
dataset in the inbox, mark it read, read their feed."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.api.conftest import CSV
from tests.cli.conftest import AppCli
from tests.conftest import UserKey


def _dataset(http: TestClient, user: UserKey, name: str) -> int:
    meta = {"name": name, "default_target_attribute": "label"}
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", CSV.encode())},
        data={"metadata": json.dumps(meta)},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_watch_inbox_and_activity_from_the_command_line(
    cli: AppCli, http: TestClient, alice: UserKey, bob: UserKey
) -> None:
    assert "Watching person:alice" in cli(bob, "watch", "person:alice").stdout
    listed = cli(bob, "watch", "--json")
    assert [json.loads(line)["target"] for line in listed.stdout.splitlines()] == ["person:alice"]
    dataset = _dataset(http, alice, "weather")
    shown = cli(bob, "inbox", "--unread", "--json", "--mark-read")
    (item,) = [json.loads(line) for line in shown.stdout.splitlines()]
    assert item["event"]["verb"] == "dataset.created"
    assert item["event"]["subject"] == f"dataset:{dataset}"
    assert cli(bob, "inbox", "--unread", "--json").stdout.strip() == ""
    table = cli(bob, "inbox")
    assert "dataset.created" in table.stdout and "0 unread." in table.stdout
    feed = cli(bob, "activity", "person:alice", "--json")
    assert [json.loads(line)["verb"] for line in feed.stdout.splitlines()] == ["dataset.created"]
    assert "No longer watching" in cli(bob, "watch", "person:alice", "--stop").stdout
    missing = cli(bob, "watch", "person:alice", "--stop", code=1)
    assert "not watching" in missing.stderr
    assert "Marked 0" in cli(bob, "inbox", "--all-read").stdout
