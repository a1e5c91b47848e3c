"""``mlhive call ...`` and ``mlhive profile ...``: a call opened, volunteered for, accepted and
revoked from the command line; a profile set and shown."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.conftest import CSV
from tests.cli.conftest import AppCli
from tests.conftest import UserKey


def _dataset(http: TestClient, user: UserKey) -> int:
    meta = {"name": "people", "default_target_attribute": "label"}
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", CSV.encode())},
        data={"metadata": json.dumps(meta)},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_a_call_from_the_command_line(
    cli: AppCli, http: TestClient, alice: UserKey, bob: UserKey
) -> None:
    dataset = _dataset(http, alice)
    opened = cli(
        alice, "call", "open", f"dataset:{dataset}", "Boosting?", "--skill", "XGBoost", "--json"
    )
    call = json.loads(opened.stdout)
    assert call["skills"] == ["xgboost"] and call["access"] == "write"
    listed = cli(bob, "call", "list", "--skill", "xgboost", "--json")
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [call["id"]]
    sent = cli(bob, "call", "respond", str(call["id"]), "I can", "--volunteer")
    assert "pending" in sent.stdout
    shown = json.loads(cli(alice, "call", "show", str(call["id"]), "--json").stdout)
    (response,) = shown["response_list"]
    assert response["user"] == "bob" and response["kind"] == "volunteer"
    refused = cli(bob, "call", "accept", str(call["id"]), str(response["id"]), code=1)
    assert "owner" in refused.stderr
    accepted = cli(alice, "call", "accept", str(call["id"]), str(response["id"]))
    assert "by bob accepted" in accepted.stdout
    edit = {"description": "by bob"}
    assert http.patch(f"/api/datasets/{dataset}", json=edit, headers=bob.headers).status_code == 200
    cli(alice, "call", "revoke", str(call["id"]), str(response["id"]))
    assert http.patch(f"/api/datasets/{dataset}", json=edit, headers=bob.headers).status_code == 403
    closed = cli(alice, "call", "close", str(call["id"]))
    assert "Closed call" in closed.stdout
    bad = cli(alice, "call", "list", "--state", "maybe", code=2)
    assert "open, closed or all" in bad.stderr


def test_a_profile_from_the_command_line(cli: AppCli, tmp_path: Path, alice: UserKey) -> None:
    bio = tmp_path / "bio.md"
    bio.write_text("I like *trees*.")
    cli(alice, "profile", "set", "--bio-file", str(bio), "--interest", "Gradient Boosting")
    shown = json.loads(cli(alice, "profile", "show", "--json").stdout)
    assert shown["bio"] == "I like *trees*." and shown["interests"] == ["gradient-boosting"]
    cli(alice, "profile", "set", "--no-interests")
    assert json.loads(cli(alice, "profile", "show", "alice", "--json").stdout)["interests"] == []
    table = cli(alice, "profile", "show")
    assert "datasets" in table.stdout
    nothing = cli(alice, "profile", "set", code=2)
    assert "nothing to change" in nothing.stderr
