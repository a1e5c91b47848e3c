"""Profiles show what a person shared, newest first, and only what the viewer may see."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from mlhive.server.wiring import Hive
from tests.api.experiments import one_of_each
from tests.api.forge import make_repo
from tests.conftest import UserKey
from tests.factories import actor_of, publish, push_tensors
from tests.web.conftest import sign_in


def test_a_profile_shows_datasets_tasks_models_runs_and_activity(
    http: TestClient, hive: Hive, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    made = one_of_each(http, alice, run_jobs)
    make_repo(http, alice, "net")
    sha = push_tensors(hive, actor_of(hive, alice), "alice/net", seed=3)
    html = http.get("/people/alice").text
    assert f'href="/datasets/{made["dataset"]}"' in html
    assert f'href="/tasks/{made["task"]}"' in html
    assert f'href="/runs/{made["run"]}"' in html
    assert 'href="/models/alice/net"' in html
    assert f'href="/models/alice/net/commits/{sha}"' in html
    activity = html.split("<h2>Activity</h2>")[1].split("</section>")[0]
    # Newest first: the commit came after the run, which came after the dataset.
    assert activity.index("committed to alice/net") < activity.index("uploaded run")
    assert activity.index("uploaded run") < activity.index("uploaded dataset")


def test_private_work_stays_off_profiles_for_others(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    publish(hive, actor_of(hive, alice), name="alice-open")
    publish(hive, actor_of(hive, alice), name="alice-secret", visibility="private")
    make_repo(http, alice, "hidden-net", visibility="private")
    push_tensors(hive, actor_of(hive, alice), "alice/hidden-net")
    for viewer in (None, bob):
        http.cookies.clear()
        if viewer:
            sign_in(http, viewer)
        html = http.get("/people/alice").text
        assert "alice-open" in html
        assert "alice-secret" not in html
        assert "hidden-net" not in html
    http.cookies.clear()
    sign_in(http, alice)
    html = http.get("/people/alice").text
    assert "alice-secret" in html
    assert "committed to alice/hidden-net" in html


def test_only_admins_and_the_person_see_the_administrator_badge(
    http: TestClient, admin: UserKey, make_user: Callable[..., UserKey], bob: UserKey
) -> None:
    other_admin = make_user("root", admin=True)
    shown = []
    for viewer in (None, bob, other_admin, admin):
        http.cookies.clear()
        if viewer:
            sign_in(http, viewer)
        shown.append("administrator" in http.get("/people/admin").text)
    assert shown == [False, False, True, True]


def test_a_team_page_lists_members_and_shows_private_work_to_members_only(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, make_user: Callable[..., UserKey]
) -> None:
    carol = make_user("carol")
    assert http.post("/api/teams", json={"name": "crew"}, headers=alice.headers).status_code == 201
    invited = http.post(
        "/api/teams/crew/invitations", json={"user": "bob", "role": "read"}, headers=alice.headers
    )
    token = invited.json()["token"]
    assert http.post(f"/api/invitations/{token}/accept", headers=bob.headers).status_code == 200
    as_alice = actor_of(hive, alice)
    publish(hive, as_alice, name="crew-open", owner="crew")
    publish(hive, as_alice, name="crew-secret", owner="crew", visibility="private")
    for viewer, sees_private in ((None, False), (carol, False), (bob, True), (alice, True)):
        http.cookies.clear()
        if viewer:
            sign_in(http, viewer)
        html = http.get("/people/crew").text
        members = html.split("<h2>Members")[1].split("</section>")[0]
        assert 'href="/people/alice"' in members and "admin" in members
        assert 'href="/people/bob"' in members and "read" in members
        assert "crew-open" in html
        assert ("crew-secret" in html) is sees_private, viewer
    # a member's own page names the teams they are in
    assert 'href="/people/crew"' in http.get("/people/alice").text
    left = http.delete("/api/teams/crew/members/bob", headers=bob.headers)
    assert left.status_code == 200
    http.cookies.clear()
    sign_in(http, bob)
    assert "crew-secret" not in http.get("/people/crew").text
