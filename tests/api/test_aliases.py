"""Aliases point at commits; every move (promotion or rollback) is audited."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.forge import Push
from tests.api.serving import promote, repo_with_two_commits
from tests.conftest import UserKey


def test_promotion_moves_the_alias_and_the_history_records_who_when_from_and_to(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    first = promote(http, alice, repo.repo, "production", repo.first[:12])
    assert first["from_commit"] is None and first["to_commit"] == repo.first
    second = promote(http, alice, repo.repo, "production", "main")
    assert second["from_commit"] == repo.first and second["to_commit"] == repo.second
    assert second["actor"] == "alice" and second["action"] == "promote"
    assert second["checks"] == []

    listed = http.get(f"/api/models/{repo.repo}/aliases").json()
    assert [(a["name"], a["commit"]) for a in listed] == [("production", repo.second)]
    trail = http.get(f"/api/models/{repo.repo}/aliases/production/history").json()
    assert [(e["from_commit"], e["to_commit"]) for e in trail] == [
        (repo.first, repo.second),
        (None, repo.first),
    ]
    assert trail[0]["created_at"] >= trail[1]["created_at"]


def test_rollback_walks_back_through_promotions_and_is_audited(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    promote(http, alice, repo.repo, "staging", repo.first)
    promote(http, alice, repo.repo, "staging", repo.second)
    back = http.post(f"/api/models/{repo.repo}/aliases/staging/rollback", headers=alice.headers)
    assert back.status_code == 200, back.text
    assert back.json()["action"] == "rollback"
    assert (back.json()["from_commit"], back.json()["to_commit"]) == (repo.second, repo.first)
    aliases = http.get(f"/api/models/{repo.repo}/aliases").json()
    assert aliases[0]["commit"] == repo.first
    again = http.post(f"/api/models/{repo.repo}/aliases/staging/rollback", headers=alice.headers)
    assert again.status_code == 409
    assert "no earlier commit" in again.json()["detail"]
    actions = [
        e["action"] for e in http.get(f"/api/models/{repo.repo}/aliases/staging/history").json()
    ]
    assert actions == ["rollback", "promote", "promote"]


def test_only_the_owner_moves_an_alias(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    url = f"/api/models/{repo.repo}/aliases/production"
    refused = http.post(url, json={"commit": repo.first}, headers=bob.headers)
    assert refused.status_code == 403
    assert http.post(url, json={"commit": repo.first}).status_code == 401
    assert http.get(f"/api/models/{repo.repo}/aliases").json() == []


def test_bad_alias_names_and_refs_are_refused_with_the_reason(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    bad = http.post(
        f"/api/models/{repo.repo}/aliases/Prod!", json={"commit": repo.first}, headers=alice.headers
    )
    assert bad.status_code == 422
    assert "'Prod!' is not a valid alias name" in bad.json()["detail"]
    missing = http.post(
        f"/api/models/{repo.repo}/aliases/production",
        json={"commit": "nope"},
        headers=alice.headers,
    )
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    unset = http.get(f"/api/models/{repo.repo}/aliases/canary/history")
    assert unset.status_code == 404 and "@canary" in unset.json()["detail"]


def test_the_aliases_of_a_private_repository_stay_private(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice, visibility="private")
    promote(http, alice, repo.repo, "production", repo.first)
    assert http.get(f"/api/models/{repo.repo}/aliases", headers=bob.headers).status_code == 404
    history = http.get(f"/api/models/{repo.repo}/aliases/production/history")
    assert history.status_code == 404
