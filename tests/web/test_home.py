"""The home page and search: counts of public work, the newest work, and search across kinds,
each showing only what the viewer may see."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from mlhive.server.wiring import Hive
from tests.api.experiments import one_of_each
from tests.api.forge import make_repo
from tests.conftest import UserKey
from tests.factories import actor_of, publish
from tests.web.conftest import sign_in


def _stat(html: str, label: str) -> str:
    before = html.split(f"</strong> {label}")[0]
    return before.rsplit("<strong>", 1)[1]


def test_home_counts_public_work_and_lists_the_newest(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    made = one_of_each(http, alice, run_jobs)
    make_repo(http, alice, "net", description="a small net")
    home = http.get("/").text
    assert _stat(home, "datasets") == "1"
    assert _stat(home, "tasks") == "1"
    assert _stat(home, "runs") == "1"
    assert _stat(home, "models") == "1"
    assert f'href="/datasets/{made["dataset"]}"' in home
    assert f'href="/runs/{made["run"]}"' in home


def test_private_work_is_missing_from_home_and_search_for_others(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    publish(hive, actor_of(hive, alice), name="secret-survey", visibility="private")
    run_jobs()
    make_repo(http, alice, "secret-model", visibility="private")
    for viewer in (None, bob):
        http.cookies.clear()
        if viewer:
            sign_in(http, viewer)
        assert "secret-survey" not in http.get("/").text
        found = http.get("/search", params={"q": "secret"}).text
        assert "secret-survey" not in found
        assert "secret-model" not in found
        assert "Nothing matches" in found
    http.cookies.clear()
    sign_in(http, alice)
    found = http.get("/search", params={"q": "secret"}).text
    assert 'href="/datasets/' in found
    assert "alice/secret-model" in found


def test_search_finds_every_kind_and_takes_words_literally(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    one_of_each(http, alice, run_jobs)  # dataset "exp", a task on it, flow "test.Majority"
    make_repo(http, alice, "exp-net")
    found = http.get("/search", params={"q": "exp"}).text
    assert 'href="/datasets/1"' in found
    assert 'href="/tasks/1"' in found
    assert 'href="/models/alice/exp-net"' in found
    assert 'href="/flows/1"' in http.get("/search", params={"q": "majority"}).text
    assert 'href="/people/alice"' in http.get("/search", params={"q": "ALI"}).text
    # LIKE's wildcards are plain characters: "%" matches only a literal percent sign.
    assert "Nothing matches" in http.get("/search", params={"q": "%"}).text


def test_markup_in_user_text_is_shown_as_text(http: TestClient, alice: UserKey) -> None:
    make_repo(http, alice, "net", description="<script>alert(1)</script>")
    for path in ("/search?q=script", "/people/alice"):
        html = http.get(path).text
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_overlong_search_is_refused_with_a_page(http: TestClient) -> None:
    answer = http.get("/search", params={"q": "x" * 201})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "at most 200 characters" in answer.text
