"""The deployment pages over the real app: what a deployment serves, the commit answering,
its counts and the moves of its alias; private deployments stay private."""

from __future__ import annotations

import html
import json

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.forge import skops_bytes
from tests.api.serving import classifier
from tests.conftest import UserKey
from tests.web.conftest import sign_in


def _served(http: TestClient, alice: UserKey, visibility: str) -> tuple[str, str]:
    """alice/clf with two commits, @production moved twice, a deployment following it."""
    http.post("/api/models", json={"name": "clf"}, headers=alice.headers)
    shas = []
    for flip in (False, True):
        pushed = http.post(
            "/api/models/alice/clf/commits",
            files={"file": ("model.skops", skops_bytes(classifier(flip=flip)))},
            data={"metadata": json.dumps({"message": "m"})},
            headers=alice.headers,
        )
        shas.append(pushed.json()["id"])
        http.post(
            "/api/models/alice/clf/aliases/production",
            json={"commit": shas[-1]},
            headers=alice.headers,
        )
    spec = {"name": "scorer", "repo": "alice/clf", "alias": "production", "visibility": visibility}
    assert http.post("/api/deployments", json=spec, headers=alice.headers).status_code == 201
    row = {"rows": [{"x1": 1.0, "x2": 1.0}]}
    for body in (row, {"rows": [{"x1": 1.0}]}):
        http.post("/api/deployments/scorer/predict", json=body, headers=alice.headers)
    return shas[0], shas[1]


def test_the_deployment_page_shows_alias_commit_counts_and_the_alias_trail(
    http: TestClient, alice: UserKey
) -> None:
    first, second = _served(http, alice, "public")
    page = http.get("/deployments/scorer")
    assert page.status_code == 200
    text = page.text
    assert "alice/clf</a> @production" in text
    assert f'href="/models/alice/clf/commits/{second}"' in text
    assert "<dt>Calls</dt><dd>2</dd>" in text and "<dt>Failed calls</dt><dd>1</dd>" in text
    assert text.count(f"<code>{first[:10]}</code>") == 2  # to, then from in the next move
    assert '"x1": 0, "x2": 0' in html.unescape(text)  # the call snippet names the columns
    listing = http.get("/deployments").text
    assert 'href="/deployments/scorer"' in listing and f"<code>{second[:10]}</code>" in listing
    repo_page = http.get("/models/alice/clf").text
    assert "@production" in repo_page and f"/models/alice/clf/commits/{second}" in repo_page


def test_a_private_deployment_page_is_not_found_for_others(
    app: FastAPI, http: TestClient, alice: UserKey, bob: UserKey
) -> None:
    _served(http, alice, "private")
    assert http.get("/deployments/scorer").status_code == 404
    assert 'href="/deployments/scorer"' not in http.get("/deployments").text
    with TestClient(app) as browser:
        sign_in(browser, bob)
        assert browser.get("/deployments/scorer").status_code == 404
    with TestClient(app) as browser:
        sign_in(browser, alice)
        assert browser.get("/deployments/scorer").status_code == 200
        assert 'href="/deployments/scorer"' in browser.get("/deployments").text
