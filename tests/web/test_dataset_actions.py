"""The forms of a dataset's page: each posts, redirects back, and the change shows."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi.testclient import TestClient

from mlhive.server.wiring import Hive
from tests.conftest import UserKey
from tests.factories import CLASSIFICATION_CSV, actor_of, publish
from tests.web.conftest import csrf_of, sign_in


def _post(http: TestClient, path: str, page: str, **fields: str) -> httpx.Response:
    token = csrf_of(http, page)
    return http.post(path, data={"csrf": token, **fields}, follow_redirects=False)


def test_a_form_without_its_token_is_refused(http: TestClient, hive: Hive, alice: UserKey) -> None:
    dataset_id = publish(hive, actor_of(hive, alice))
    sign_in(http, alice)
    answer = http.post(f"/datasets/{dataset_id}/tags", data={"tag": "x"}, follow_redirects=False)
    assert answer.status_code == 403
    assert "form has expired" in answer.text
    http.cookies.clear()
    anonymous = http.post(f"/datasets/{dataset_id}/tags", data={"tag": "x", "csrf": "nope"})
    assert anonymous.status_code == 401


def test_anyone_signed_in_tags_and_the_tagger_untags(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    dataset_id = publish(hive, actor_of(hive, alice))
    page = f"/datasets/{dataset_id}"
    sign_in(http, bob)
    answer = _post(http, f"{page}/tags", page, tag="benchmark")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{page}#tags"
    assert '<span class="tag">benchmark</span>' in http.get(page).text
    bad = _post(http, f"{page}/tags", page, tag="no spaces <b>")
    assert bad.status_code == 422
    assert "tag" in bad.text
    assert _post(http, f"{page}/tags/remove", page, tag="benchmark").status_code == 303
    assert '<span class="tag">benchmark</span>' not in http.get(page).text


def test_only_the_owner_removes_someone_elses_tag(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    dataset_id = publish(hive, actor_of(hive, alice), tags=["mine"])
    page = f"/datasets/{dataset_id}"
    sign_in(http, bob)
    answer = _post(http, f"{page}/tags/remove", page, tag="mine")
    assert answer.status_code == 403
    assert "text/html" in answer.headers["content-type"]


def test_the_owner_edits_the_description_and_others_cannot(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    dataset_id = publish(hive, actor_of(hive, alice), description="old words")
    page = f"/datasets/{dataset_id}"
    sign_in(http, bob)
    assert "Edit the description" not in http.get(page).text
    denied = _post(http, f"{page}/description", page, description="vandalised")
    assert denied.status_code == 403
    http.cookies.clear()
    sign_in(http, alice)
    done = _post(http, f"{page}/description", page, description="New **words**")
    assert done.status_code == 303
    assert "New <strong>words</strong>" in http.get(page).text
    history = http.get(f"/api/datasets/{dataset_id}/history").json()
    assert history[-1]["before"] == {"description": "old words"}


def test_status_buttons_follow_the_life_cycle(
    http: TestClient, hive: Hive, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(hive, actor_of(hive, alice))
    page = f"/datasets/{dataset_id}"
    sign_in(http, alice)
    text = http.get(page).text
    assert ">Deactivate<" in text and ">Activate<" not in text  # not processed yet
    run_jobs()  # processed and auto-activated
    text = http.get(page).text
    assert ">Deactivate<" in text and ">Activate<" not in text
    assert _post(http, f"{page}/status", page, status="deactivated").status_code == 303
    text = http.get(page).text
    assert "deactivated" in text and ">Activate<" in text and ">Deactivate<" not in text
    wrong = _post(http, f"{page}/status", page, status="in_preparation")
    assert wrong.status_code == 409


def test_nobody_but_the_owner_sees_or_uses_the_status_buttons(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(hive, actor_of(hive, alice))
    run_jobs()
    page = f"/datasets/{dataset_id}"
    sign_in(http, bob)
    assert ">Deactivate<" not in http.get(page).text
    answer = _post(http, f"{page}/status", page, status="deactivated")
    assert answer.status_code == 403


def test_a_fork_is_the_callers_and_opens(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(hive, actor_of(hive, alice), name="people")
    run_jobs()
    page = f"/datasets/{dataset_id}"
    sign_in(http, bob)
    answer = _post(http, f"{page}/fork", page, name="bobs-people")
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location != page
    text = http.get(location).text
    assert "bobs-people" in text and 'href="/people/bob"' in text
    assert f'forked from <a href="/datasets/{dataset_id}">' in text
    assert 'data-chart="chart-feature-0"' in text  # the features came along


def test_a_task_is_created_from_the_page(
    http: TestClient, hive: Hive, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(hive, actor_of(hive, alice), CLASSIFICATION_CSV)
    run_jobs()
    page = f"/datasets/{dataset_id}"
    sign_in(http, alice)
    answer = _post(
        http,
        f"{page}/tasks",
        page,
        task_type="supervised_classification",
        target="label",
        estimation_procedure_id="1",
    )
    assert answer.status_code == 303, answer.text
    task_id = answer.headers["location"].rsplit("/", 1)[1]
    assert f'<a href="/tasks/{task_id}">Task {task_id}</a>' in http.get(page).text
    mismatch = _post(
        http,
        f"{page}/tasks",
        page,
        task_type="supervised_regression",
        target="label",
        estimation_procedure_id="7",
    )
    assert mismatch.status_code == 422
    assert "numeric target" in mismatch.text
