"""Discussion pages in process: the section on an object page, a thread page whose references
link only for readers who may see them, and the forms (session + CSRF) to open and reply."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from mlhive.server.wiring import Hive
from tests.conftest import UserKey
from tests.factories import actor_of, publish
from tests.web.conftest import csrf_of, sign_in

SCRIPT = "<script>alert(1)</script>"


def test_a_thread_opened_and_answered_through_the_pages(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    public = publish(hive, actor_of(hive, alice))
    private = publish(hive, actor_of(hive, alice), visibility="private")
    page = f"/datasets/{public}"
    assert "Sign in</a> to start a discussion" in http.get(page).text

    sign_in(http, alice)
    body = f"See dataset:{private} and dataset:{public}, @bob **now** {SCRIPT}"
    fields = {"kind": "dataset", "key": str(public), "title": "Noisy labels", "body": body}
    refused = http.post("/discussions", data=fields, follow_redirects=False)
    assert refused.status_code == 403  # no form token
    opened = http.post(
        "/discussions", data={**fields, "csrf": csrf_of(http, page)}, follow_redirects=False
    )
    assert opened.status_code == 303, opened.text
    thread = opened.headers["location"]
    assert re.fullmatch(r"/discussions/\d+", thread)

    mine = http.get(thread).text
    assert "<strong>now</strong>" in mine and "<script>alert" not in mine
    assert f'<a href="/datasets/{private}"' in mine and f'<a href="/datasets/{public}"' in mine
    assert '<a href="/people/bob"' in mine
    assert f'href="/discussions/{thread.rsplit("/", 1)[1]}"' in http.get(page).text

    http.cookies.clear()
    sign_in(http, bob)
    theirs = http.get(thread).text
    assert f'<a href="/datasets/{public}"' in theirs
    assert f'href="/datasets/{private}"' not in theirs and f"dataset:{private}" in theirs
    assert ">Lock</button>" not in theirs
    replied = http.post(
        thread + "/replies",
        data={"body": "On it.", "csrf": csrf_of(http, thread)},
        follow_redirects=False,
    )
    assert replied.status_code == 303 and replied.headers["location"].startswith(thread + "#post-")
    assert "On it." in http.get(thread).text
    post_id = replied.headers["location"].rsplit("-", 1)[1]
    edited = http.post(
        f"{thread}/posts/{post_id}/edit",
        data={"body": "Done.", "csrf": csrf_of(http, thread)},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    shown = http.get(thread).text
    assert "Done." in shown and ">edited</span>" in shown and "Earlier versions (1)" in shown
    assert "<pre>On it.</pre>" in shown
    first = re.search(r'action="/discussions/\d+/posts/(\d+)/edit"', mine)
    assert first is not None  # alice's own post had an edit form; bob may not edit it
    refused = http.post(
        f"{thread}/posts/{first.group(1)}/edit",
        data={"body": "mine now", "csrf": csrf_of(http, thread)},
    )
    assert refused.status_code == 403


def test_a_thread_on_a_private_object_is_a_404_page_for_others(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    private = publish(hive, actor_of(hive, alice), visibility="private")
    created = http.post(
        f"/api/datasets/{private}/discussions",
        json={"title": "Secret", "body": "hush"},
        headers=alice.headers,
    ).json()
    thread = f"/discussions/{created['id']}"
    assert http.get(thread).status_code == 404
    sign_in(http, bob)
    assert http.get(thread).status_code == 404
    denied = http.post(
        "/discussions",
        data={
            "kind": "dataset",
            "key": str(private),
            "title": "x",
            "body": "y",
            "csrf": csrf_of(http),
        },
    )
    assert denied.status_code == 404
    http.cookies.clear()
    sign_in(http, alice)
    text = http.get(thread).text
    assert "Secret" in text and ">Lock</button>" in text
    locked = http.post(thread + "/lock", data={"csrf": csrf_of(http, thread)})
    assert locked.status_code == 200 and "it takes no new replies" in locked.text
