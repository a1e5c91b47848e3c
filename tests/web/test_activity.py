"""Activity in the pages: the watch button on a dataset page, the inbox (its unread badge in
the header, marking read), a person's feed page, and private objects kept off all of them."""

from __future__ import annotations

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


def test_watch_from_the_dataset_page_then_read_the_inbox(
    app: object, http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    dataset = publish(hive, actor_of(hive, alice), name="rain")
    sign_in(http, bob)
    page = http.get(f"/datasets/{dataset}").text
    assert 'id="activity"' in page and ">Watch</button>" in page
    assert "published a dataset" in page
    back = _form(http, f"/datasets/{dataset}", "/watches", target=f"dataset:{dataset}",
                 back=f"/datasets/{dataset}")  # fmt: skip
    assert back == f"/datasets/{dataset}"
    assert "Stop watching" in http.get(back).text
    assert 'class="badge unread"' not in http.get("/inbox").text

    with TestClient(app) as as_alice:  # type: ignore[arg-type]
        sign_in(as_alice, alice)
        _form(as_alice, f"/datasets/{dataset}", "/discussions", kind="dataset",
              key=str(dataset), title="<b>Fixed</b> labels", body="@bob have a look")  # fmt: skip

    home = http.get("/").text
    assert 'class="badge unread"' in home and ">1<" in home  # mentioned (and watching)
    inbox = http.get("/inbox").text
    assert "opened a discussion" in inbox and f"dataset:{dataset}" in inbox
    assert "&lt;b&gt;Fixed&lt;/b&gt; labels" in inbox and "<b>Fixed</b>" not in inbox
    assert "mention" in inbox and "1 unread" in inbox
    _form(http, "/inbox", "/inbox/read")
    assert "0 unread" in http.get("/inbox").text
    assert 'class="badge unread"' not in http.get("/").text
    assert "No notifications." in http.get("/inbox?unread=true").text

    # stop watching, from the same button
    elsewhere = _form(http, f"/datasets/{dataset}", "/watches", target=f"dataset:{dataset}",
                      stop="true", back="//evil.example/")  # fmt: skip
    assert elsewhere == "/"  # never a redirect to another site
    assert ">Watch</button>" in http.get(f"/datasets/{dataset}").text


def test_the_inbox_asks_to_sign_in_and_a_feed_hides_private_objects(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    answer = http.get("/inbox", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=/inbox"
    public = publish(hive, actor_of(hive, alice), name="shown")
    hidden = publish(hive, actor_of(hive, alice), name="hidden", visibility="private")
    anonymous = http.get("/people/alice/activity").text
    assert f"dataset:{public}" in anonymous and f"dataset:{hidden}" not in anonymous
    assert 'href="/people/alice/activity"' in http.get("/people/alice").text
    sign_in(http, alice)
    own = http.get("/people/alice/activity").text
    assert f"dataset:{hidden}" in own and f"dataset:{public}" in own
    assert http.get("/people/nobody/activity").status_code == 404
