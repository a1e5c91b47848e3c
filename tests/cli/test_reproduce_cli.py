"""Reproductions from the client and the command line: ask, wait, read the outcome."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from fastapi.testclient import TestClient

from mlhive import Client
from mlhive.server.wiring import Hive
from tests.api.reproductions import make_task, original_run
from tests.cli.conftest import AppCli
from tests.conftest import UserKey


def test_the_client_waits_for_a_reproduction_and_links_a_rerun(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, tmp_path: Path
) -> None:
    task_id = make_task(hive, alice, "client-repro")
    with (
        Client("http://testserver", alice.key, http_client=http, cache_dir=tmp_path / "a") as mine,
        Client("http://testserver", bob.key, http_client=http, cache_dir=tmp_path / "b") as his,
    ):
        original = original_run(hive, mine, task_id)
        his.runs.poll_interval = 0.05
        # The worker runs while the client waits, as a server's worker would.
        worker = threading.Timer(0.3, hive.worker.drain)
        worker.start()
        done = his.runs.reproduce(original, timeout=60)
        worker.join()
        assert done.state == "reproduced" and done.requested_by == "bob", done.log
        assert done.differing == 0 and done.reproduction_run_id is not None
        assert his.runs.get(original).reproductions.reproduced == 1
        rerun = original_run(hive, his, task_id)
        linked = his.runs.reproduce(original, rerun=rerun)
        assert (linked.kind, linked.state, linked.reproduction_run_id) == (
            "uploaded", "reproduced", rerun,
        )  # fmt: skip
        assert [r.id for r in his.runs.reproductions(original)] == [linked.id, done.id]
        assert his.runs.reproduction(done.id).comparison == done.comparison


def test_a_reproduction_from_the_command_line(
    cli: AppCli, hive: Hive, http: TestClient, alice: UserKey, bob: UserKey, tmp_path: Path
) -> None:
    task_id = make_task(hive, alice, "cli-repro")
    with Client("http://testserver", alice.key, http_client=http, cache_dir=tmp_path) as client:
        altered = original_run(hive, client, task_id, alter=12)
    queued = json.loads(cli(bob, "run", "reproduce", str(altered), "--no-wait", "--json").stdout)
    assert queued["state"] == "queued"
    hive.worker.drain()
    listed = cli(bob, "run", "reproductions", str(altered), "--json").stdout.splitlines()
    outcome = json.loads(listed[0])
    assert outcome["id"] == queued["id"] and outcome["state"] == "differs"
    assert outcome["differing"] >= 1 and outcome["max_abs_diff"] > 0
    table = cli(bob, "run", "reproductions", str(altered)).stdout
    assert "differs" in table and "bob" in table
    # A tolerance above the gap reproduces it; the table names each measure's difference.
    loose = threading.Timer(0.3, hive.worker.drain)
    loose.start()
    shown = cli(bob, "run", "reproduce", str(altered), "--tolerance", "0.5")
    loose.join()
    assert "reproduced" in shown.stderr and "predictive_accuracy" in shown.stdout
    assert "tolerance 0.5" in shown.stdout
    refused = cli(bob, "run", "reproduce", str(altered), "--link", str(altered), code=1)
    assert "a run cannot reproduce itself" in refused.stderr
