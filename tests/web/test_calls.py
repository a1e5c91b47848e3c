"""Open calls and profiles in a browser: a call opened from the dataset page, volunteered for
and accepted on the call's page (the collaborator then edits the dataset, and only it);
revoked; private calls stay off every page for those who cannot see their object; the
profile's bio is sanitised and only its owner edits it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from mlhive.server.wiring import Hive
from tests.conftest import UserKey
from tests.factories import actor_of, publish
from tests.web.conftest import CSRF, sign_in


def _form(http: TestClient, page: str, action: str, **fields: str) -> str:
    """Post a form of ``page`` (with its token) to ``action``; the page redirected to."""
    token = CSRF.search(http.get(page).text)
    assert token, f"{page} carries a form token"
    answer = http.post(action, data={**fields, "csrf": token.group(1)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def _edit(http: TestClient, dataset: int, user: UserKey) -> int:
    return http.patch(
        f"/api/datasets/{dataset}", json={"description": "x"}, headers=user.headers
    ).status_code


def test_a_call_is_opened_answered_accepted_and_revoked_in_the_browser(
    app: object, http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    dataset = publish(hive, actor_of(hive, alice), name="wanted")
    other = publish(hive, actor_of(hive, alice), name="other")
    sign_in(http, alice)
    page = http.get(f"/datasets/{dataset}").text
    assert "Open a call" in page and "No open calls" in page
    where = _form(
        http,
        f"/datasets/{dataset}",
        "/calls",
        subject=f"dataset:{dataset}",
        title="Someone to try boosting",
        body="Use <script>alert(1)</script> **care**",
        skills="Gradient Boosting, , domain expert",
        access="write",
    )
    call = int(where.rsplit("/", 1)[1])
    shown = http.get(where).text
    assert "<strong>care</strong>" in shown and "<script>alert" not in shown
    assert "gradient-boosting" in shown and "domain-expert" in shown
    assert "Send response" not in shown  # the author does not answer their own call
    assert f'href="/calls/{call}"' in http.get(f"/datasets/{dataset}").text

    with TestClient(app) as as_bob:  # type: ignore[arg-type]
        sign_in(as_bob, bob)
        assert "Open a call" not in as_bob.get(f"/datasets/{dataset}").text
        assert f'href="/calls/{call}"' in as_bob.get("/calls?skill=gradient+boosting").text
        back = _form(as_bob, where, f"/calls/{call}/responses", kind="volunteer", message="I can")
        response = int(back.rsplit("response-", 1)[1])
        assert "Accept bob" not in as_bob.get(where).text  # bob may not decide
        refused = as_bob.post(
            f"/calls/{call}/responses/{response}/accept",
            data={"csrf": CSRF.search(as_bob.get(where).text).group(1)},  # type: ignore[union-attr]
            follow_redirects=False,
        )
        assert refused.status_code == 403

    assert "Accept bob (write)" in http.get(where).text
    _form(http, where, f"/calls/{call}/responses/{response}/accept")
    assert _edit(http, dataset, bob) == 200 and _edit(http, other, bob) == 403
    after = http.get(where).text
    assert re.search(r"Collaborators: <a href=\"/people/bob\">bob</a>", after)
    _form(http, where, f"/calls/{call}/responses/{response}/revoke")
    assert _edit(http, dataset, bob) == 403
    _form(http, where, f"/calls/{call}/close")
    assert "Close call" not in http.get(where).text
    assert f'href="/calls/{call}"' not in http.get("/calls").text
    assert f'href="/calls/{call}"' in http.get("/calls?state=closed").text


def test_a_call_on_a_private_dataset_is_on_no_page_for_others(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    secret = publish(hive, actor_of(hive, alice), name="secret", visibility="private")
    opened = http.post(
        "/api/calls",
        json={"subject": f"dataset:{secret}", "title": "hush-hush call"},
        headers=alice.headers,
    )
    call = opened.json()["id"]
    for viewer in (None, bob):
        http.cookies.clear()
        if viewer:
            sign_in(http, viewer)
        assert http.get(f"/calls/{call}").status_code == 404
        assert "hush-hush" not in http.get("/calls").text
        assert "hush-hush" not in http.get("/people/alice").text
    http.cookies.clear()
    sign_in(http, alice)
    assert "hush-hush" in http.get("/people/alice").text
    assert "hush-hush" in http.get(f"/datasets/{secret}").text


def test_the_profile_shows_a_sanitised_bio_and_only_its_owner_edits_it(
    app: object, http: TestClient, alice: UserKey, bob: UserKey
) -> None:
    sign_in(http, alice)
    _form(
        http,
        "/people/alice",
        "/people/alice/profile",
        bio="Hello <img src=x onerror=alert(1)> *world*",
        affiliation="Hive Lab",
        interests="NLP, gradient boosting",
    )
    html = http.get("/people/alice").text
    assert "<em>world</em>" in html and "<img" not in html
    assert "Hive Lab" in html and "gradient-boosting" in html
    assert "Edit profile" in html
    with TestClient(app) as as_bob:  # type: ignore[arg-type]
        sign_in(as_bob, bob)
        assert "Edit profile" not in as_bob.get("/people/alice").text
        token = CSRF.search(as_bob.get("/people/bob").text)
        assert token
        refused = as_bob.post(
            "/people/alice/profile",
            data={"bio": "hacked", "csrf": token.group(1)},
            follow_redirects=False,
        )
        assert refused.status_code == 403
    assert "hacked" not in http.get("/people/alice").text


def test_bad_form_fields_are_named_on_an_error_page(
    http: TestClient, hive: Hive, alice: UserKey
) -> None:
    sign_in(http, alice)
    token = CSRF.search(http.get("/people/alice").text)
    assert token
    csrf = token.group(1)
    bad_subject = http.post(
        "/calls", data={"subject": "flow:1", "title": "x", "csrf": csrf}, follow_redirects=False
    )
    assert bad_subject.status_code == 422 and "subject" in bad_subject.text
    huge = http.post(
        "/calls",
        data={"subject": "dataset:9999999999", "title": "x", "csrf": csrf},
        follow_redirects=False,
    )
    assert huge.status_code == 404
    many = ", ".join(f"tag{i}" for i in range(31))
    too_many = http.post(
        "/people/alice/profile", data={"interests": many, "csrf": csrf}, follow_redirects=False
    )
    assert too_many.status_code == 422 and "interests" in too_many.text
