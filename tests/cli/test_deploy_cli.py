"""``mlhive model promote``, ``mlhive deploy`` and ``mlhive predict`` against the real app."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import skops.io as sio

from tests.api.serving import classifier
from tests.cli.conftest import KeyedCli as Cli
from tests.conftest import UserKey


def test_promote_deploy_and_predict_a_csv(cli: Cli, alice: UserKey, tmp_path: Path) -> None:
    cli(alice, "model", "create", "clf")
    shas = []
    for flip in (False, True):
        path = tmp_path / f"m{int(flip)}.skops"
        sio.dump(classifier(flip=flip), path)
        shas.append(cli(alice, "model", "push", "alice/clf", str(path)).stdout.strip())
    promoted = cli(alice, "model", "promote", "alice/clf", shas[0][:12], "production")
    assert promoted.stdout.strip() == f"@production: (unset) → {shas[0]}"
    assert cli(alice, "deploy", "clf", "alice/clf", "--alias", "production").stdout.strip() == "clf"
    rows = tmp_path / "rows.csv"
    rows.write_text("x1,x2\n2.0,1.0\n-2,-1.5\n", encoding="utf-8")

    answer = cli(alice, "predict", "clf", "--input", str(rows))
    assert answer.stdout.splitlines() == ["prediction", "hi", "lo"]
    assert f"alice/clf@{shas[0]}" in answer.stderr

    cli(alice, "model", "promote", "alice/clf", shas[1])  # production is the default alias
    flipped = cli(alice, "predict", "clf", "-i", str(rows), "--probabilities")
    table = pd.read_csv(io.StringIO(flipped.stdout))
    assert list(table.columns) == ["prediction", "p_hi", "p_lo"]
    assert table.prediction.tolist() == ["lo", "hi"]
    assert f"alice/clf@{shas[1]}" in flipped.stderr

    trail = cli(alice, "model", "aliases", "alice/clf", "--history", "production", "--json")
    events = [json.loads(line) for line in trail.stdout.splitlines()]
    assert [(e["from_commit"], e["to_commit"]) for e in events] == [
        (shas[0], shas[1]),
        (None, shas[0]),
    ]
    shown = json.loads(cli(alice, "deployment", "show", "clf", "--json").stdout)
    assert (shown["commit"], shown["requests"], shown["errors"]) == (shas[1], 2, 0)
    listed = cli(alice, "deployment", "ls").stdout
    assert "clf" in listed and shas[1][:12] in listed
    watched = cli(alice, "deployment", "metrics", "clf").stdout
    assert "p50 ms" in watched and "x1" in watched and "x2" in watched
    measured = json.loads(cli(alice, "deployment", "metrics", "clf", "--json").stdout)
    assert (measured["requests"], measured["latency"]["calls"]) == (2, 2)
    assert {f["name"]: f["values"] for f in measured["features"]} == {"x1": 4, "x2": 4}


def test_predict_names_the_missing_column(cli: Cli, alice: UserKey, tmp_path: Path) -> None:
    cli(alice, "model", "create", "clf")
    path = tmp_path / "m.skops"
    sio.dump(classifier(), path)
    cli(alice, "model", "push", "alice/clf", str(path))
    cli(alice, "deploy", "clf", "alice/clf", "--commit", "main")
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([{"x1": 1.0}]), encoding="utf-8")
    failed = cli(alice, "predict", "clf", "--input", str(rows), code=1)
    assert "row 0 has no column 'x2'" in failed.stderr
