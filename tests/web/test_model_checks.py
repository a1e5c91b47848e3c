"""A commit's page shows its model checks: each check, passed or failed, and the reason."""

from __future__ import annotations

import io

import pandas as pd
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from mlhive.server.wiring import Hive
from tests.conftest import UserKey
from tests.factories import CLASSIFICATION_CSV, actor_of, make_repo
from tests.web.conftest import csrf_of, sign_in
from tests.web.forge import classification_task, push_estimator

FRAME = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
X, Y = FRAME[["x1", "x2"]], FRAME["label"].astype(str)


def _section(text: str) -> str:
    return text.split('id="checks"')[1].split("</section>")[0]


def test_the_commit_page_shows_each_check_and_why_one_failed(
    http: TestClient, hive: Hive, alice: UserKey
) -> None:
    owner = actor_of(hive, alice)
    task = classification_task(hive, owner)
    make_repo(hive, owner, "clf", task_ids=[task])
    config = {"degenerate": True, "latency_ms": 60000}
    configured = http.put("/api/models/alice/clf/checks", json=config, headers=alice.headers)
    assert configured.status_code == 200, configured.text
    constant = push_estimator(hive, owner, "alice/clf", DummyClassifier().fit(X, Y))
    good = push_estimator(hive, owner, "alice/clf", LogisticRegression().fit(X, Y))

    waiting = _section(http.get(f"/models/alice/clf/commits/{constant}").text)
    assert "</span> <span>The server's worker is checking this commit." in waiting
    hive.worker.drain()

    failed = _section(http.get(f"/models/alice/clf/commits/{constant}").text)
    assert "This commit cannot be promoted until every check passes." in failed
    row = failed.split("<code>degenerate</code>")[1].split("</tr>")[0]
    assert 'class="badge bad">failed' in row and "a constant prediction" in row
    latency = failed.split("<code>latency</code>")[1].split("</tr>")[0]
    assert 'class="badge good">passed' in latency and "budget 60000 ms" in latency

    passed = _section(http.get(f"/models/alice/clf/commits/{good}").text)
    assert "Every configured check passed: this commit may be promoted." in passed
    assert 'class="badge bad"' not in passed

    http.put("/api/models/alice/clf/checks", json={"degenerate": True}, headers=alice.headers)
    stale = _section(http.get(f"/models/alice/clf/commits/{good}").text)
    assert "The configuration changed since this commit was checked" in stale


def test_a_repository_without_checks_says_promotion_is_not_gated(
    http: TestClient, hive: Hive, alice: UserKey
) -> None:
    owner = actor_of(hive, alice)
    make_repo(hive, owner, "clf")
    sha = push_estimator(hive, owner, "alice/clf", LogisticRegression().fit(X, Y))
    text = _section(http.get(f"/models/alice/clf/commits/{sha}").text)
    assert "This repository configures no model checks" in text


def test_the_owner_re_runs_the_checks_from_the_commit_page_and_no_one_else_can(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    owner = actor_of(hive, alice)
    make_repo(hive, owner, "clf")
    http.put("/api/models/alice/clf/checks", json={"degenerate": True}, headers=alice.headers)
    sha = push_estimator(hive, owner, "alice/clf", LogisticRegression().fit(X, Y))
    hive.worker.drain()
    path = f"/models/alice/clf/commits/{sha}"
    before = http.get(f"/api/models/alice/clf/commits/{sha}/checks").json()["job_id"]

    sign_in(http, bob)
    assert "Re-run checks" not in _section(http.get(path).text)
    denied = http.post(path + "/checks", data={"csrf": csrf_of(http, path)})
    assert denied.status_code == 403
    http.cookies.clear()
    sign_in(http, alice)
    assert ">Re-run checks</button>" in _section(http.get(path).text)
    assert http.post(path + "/checks", data={}, follow_redirects=False).status_code == 403
    posted = http.post(path + "/checks", data={"csrf": csrf_of(http, path)}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"] == path + "#checks"
    after = http.get(f"/api/models/alice/clf/commits/{sha}/checks").json()
    assert after["state"] == "queued" and after["job_id"] != before
    assert "The server's worker is checking this commit." in _section(http.get(path).text)
    assert "Re-run checks" not in _section(http.get(path).text)  # not twice at once


def test_the_commit_page_lists_the_data_the_model_has_seen(
    http: TestClient, hive: Hive, alice: UserKey
) -> None:
    owner = actor_of(hive, alice)
    task = classification_task(hive, owner)
    make_repo(hive, owner, "clf")
    said = {"dataset_id": 1, "rows": 30, "time_column": "x1", "time_from": "-2.5"}
    model = LogisticRegression().fit(X, Y)
    sha = push_estimator(hive, owner, "alice/clf", model, card={"data_seen": [said]})
    bare = push_estimator(hive, owner, "alice/clf", model)
    text = http.get(f"/models/alice/clf/commits/{sha}").text
    seen = text.split('id="data-seen"')[1].split("</section>")[0]
    row = seen.split("<tbody>")[1]
    assert '<a href="/datasets/1">points</a>' in row and ">30</td>" in row
    assert "<code>x1</code>: -2.5 → ?" in row and "uploader" in row
    empty = http.get(f"/models/alice/clf/commits/{bare}").text.split('id="data-seen"')[1]
    assert "does not say what data it was trained on" in empty.split("</section>")[0]
    assert task > 0
