"""The run page's reproductions: the badge, the list with how much each measure differs, and
the "Reproduce this run" form."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from mlhive import Client
from mlhive.server.wiring import Hive
from tests.api.reproductions import make_task, original_run
from tests.conftest import UserKey
from tests.web.conftest import CSRF, SignIn


def test_the_form_reproduces_a_run_and_the_page_shows_the_badge_and_the_differences(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, signed_in: SignIn, tmp_path: Path
) -> None:
    task_id = make_task(hive, alice, "pages")
    with Client("http://testserver", alice.key, http_client=http, cache_dir=tmp_path) as client:
        honest = original_run(hive, client, task_id)
        altered = original_run(hive, client, task_id, alter=12)
    anonymous = http.get(f"/runs/{honest}").text
    assert "Nobody has reproduced this run yet." in anonymous
    assert "Reproduce this run" not in anonymous  # only for someone signed in

    browser = signed_in(bob)
    for run_id in (honest, altered):
        page = browser.get(f"/runs/{run_id}").text
        token = CSRF.search(page)
        assert token and "Reproduce this run" in page
        sent = browser.post(
            f"/runs/{run_id}/reproductions", data={"csrf": token.group(1), "tolerance": ""},
            follow_redirects=False,
        )  # fmt: skip
        assert sent.status_code == 303 and sent.headers["location"].endswith("#reproductions")
        assert "waiting for the worker" in browser.get(f"/runs/{run_id}").text
    hive.worker.drain()

    good = browser.get(f"/runs/{honest}").text
    assert re.search(r'<span class="badge good">reproduced 1 time</span>', good)
    assert "every measure within the tolerance" in good
    bad = browser.get(f"/runs/{altered}").text
    assert "reproduced 1 time" not in bad
    assert '<span class="badge bad">differs in 1 reproduction</span>' in bad
    # The largest difference comes first, as the API reports it.
    (shown,) = http.get(f"/api/runs/{altered}/reproductions").json()["items"]
    worst = shown["comparison"][0]
    line = f"{worst['measure'].replace('_', ' ')} differs by {worst['abs_diff']:.6g}"
    assert line.lower() in bad.lower() and worst["abs_diff"] == shown["max_abs_diff"] > 0

    page = browser.get(f"/runs/{honest}").text
    token = CSRF.search(page)
    assert token
    refused = browser.post(
        f"/runs/{honest}/reproductions", data={"csrf": token.group(1), "tolerance": "lots"},
        follow_redirects=False,
    )  # fmt: skip
    assert refused.status_code == 422 and "tolerance" in refused.text
