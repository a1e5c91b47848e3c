"""The experiment pages in process: tasks, runs, comparisons, flows, suites and studies."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import UserKey
from tests.web.conftest import sign_in
from tests.web.experiment_data import classification_setup, regression_setup

XSS = "<script>alert(1)</script>"


@pytest.fixture
def made(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> dict[str, Any]:
    return classification_setup(http, alice, run_jobs)


def test_the_task_list_filters_by_type_and_links_each_task(
    http: TestClient, made: dict[str, Any]
) -> None:
    page = http.get("/tasks")
    assert page.status_code == 200
    assert f'href="/tasks/{made["task"]}"' in page.text
    assert f'href="/datasets/{made["dataset"]}"' in page.text
    other = http.get("/tasks?type=supervised_regression")
    assert f'href="/tasks/{made["task"]}"' not in other.text
    assert "No task matches" in other.text


def test_a_bad_task_type_filter_is_a_422_page(http: TestClient) -> None:
    page = http.get("/tasks?type=painting")
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "type" in page.text


def test_a_task_page_ranks_the_flows_best_first_with_a_chart(
    http: TestClient, made: dict[str, Any]
) -> None:
    page = http.get(f"/tasks/{made['task']}")
    assert page.status_code == 200
    text = page.text
    assert "10-fold Crossvalidation" in text
    first, second = (text.index(f'href="/runs/{r}"') for r in made["runs"])
    assert first < second  # the 0.8-accurate run ranks above the 0.6 one
    assert 'data-chart="task-runs-chart"' in text
    assert 'name="run" value="' in text and 'action="/runs/compare"' in text
    assert "Train rows" in text and '<td class="num">81</td>' in text  # 90 rows, 10 folds


def test_changing_the_measure_reranks_and_lower_is_better_for_errors(
    http: TestClient, made: dict[str, Any]
) -> None:
    page = http.get(f"/tasks/{made['task']}?measure=log_loss")
    assert page.status_code == 200
    assert "Lower is better" in page.text
    assert '<option value="log_loss" selected>' in page.text


def test_an_unknown_measure_is_a_422_page_listing_the_valid_ones(
    http: TestClient, made: dict[str, Any]
) -> None:
    page = http.get(f"/tasks/{made['task']}?measure=happiness")
    assert page.status_code == 422
    assert "happiness" in page.text
    assert "predictive_accuracy" in page.text and "log_loss" in page.text


def test_unknown_tasks_and_runs_are_404_pages(http: TestClient) -> None:
    for path in ("/tasks/999999", "/runs/999999", "/flows/999999", "/suites/nope", "/studies/9"):
        page = http.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")


def test_a_classification_run_shows_scores_setup_tree_and_confusion_matrix(
    http: TestClient, made: dict[str, Any]
) -> None:
    run_id = made["runs"][0]
    page = http.get(f"/runs/{run_id}")
    assert page.status_code == 200
    text = page.text
    assert "predictive accuracy" in text and "Fold 10" in text
    assert 'data-chart="run-folds-chart"' in text
    assert 'data-chart="run-confusion-chart"' in text
    assert "Confusion matrix" in text
    assert "<code>alpha</code>" in text and "<code>1</code>" in text
    assert f'href="/flows/{made["flows"][0]}"' in text
    # Every one of the 90 rows is tested once: the matrix counts sum to 90.
    cells = text.split('class="table confusion"')[1].split("</table>")[0]
    counts = [int(c.split("<")[0]) for c in cells.split('<td class="num">')[1:]]
    assert sum(counts) == 90 and len(counts) == 4


def test_a_regression_run_shows_predicted_against_true(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    made = regression_setup(http, alice, run_jobs)
    page = http.get(f"/runs/{made['run']}")
    assert page.status_code == 200
    assert 'data-chart="run-scatter-chart"' in page.text
    assert "90 of 90 predictions are drawn" in page.text
    assert "run-confusion-chart" not in page.text
    task = http.get(f"/tasks/{made['task']}")
    assert "root mean squared error" in task.text and "Lower is better" in task.text


def test_comparing_runs_marks_the_parameters_that_differ(
    http: TestClient, made: dict[str, Any]
) -> None:
    first, second = made["runs"]
    page = http.get(f"/runs/compare?run={first}&run={second}")
    assert page.status_code == 200
    rows = page.text.split('class="table parameters"')[1]
    alpha = rows.split("<code>alpha</code>")
    assert len(alpha) == 3  # one row per flow's alpha
    assert 'class="changed"' in rows and "≠ differs" in rows
    assert 'data-chart="compare-folds-chart"' in page.text


@pytest.mark.parametrize("count", [1, 11])
def test_comparing_too_few_or_too_many_runs_is_a_clear_422(
    http: TestClient, made: dict[str, Any], count: int
) -> None:
    query = "&".join(f"run={made['runs'][0] + i}" for i in range(count))
    page = http.get(f"/runs/compare?{query}")
    assert page.status_code == 422
    assert "between 2 and 10" in page.text


def test_comparing_with_an_unknown_run_is_a_404_page(
    http: TestClient, made: dict[str, Any]
) -> None:
    page = http.get(f"/runs/compare?run={made['runs'][0]}&run=999999")
    assert page.status_code == 404
    assert "run 999999 not found" in page.text


def test_private_datasets_hide_their_tasks_and_runs_from_others(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    secret = classification_setup(http, alice, run_jobs, visibility="private", accuracies=(0.7,))
    public = classification_setup(http, alice, run_jobs, accuracies=(0.9,), flow_name="test.Open")
    run_id = secret["runs"][0]
    paths = [f"/tasks/{secret['task']}", f"/runs/{run_id}"]
    compare = f"/runs/compare?run={run_id}&run={public['runs'][0]}"
    for path in [*paths, compare]:
        assert http.get(path).status_code == 404, path
    assert f'href="/runs/{run_id}"' not in http.get("/runs").text
    assert f'href="/tasks/{secret["task"]}"' not in http.get("/tasks").text
    assert f'href="/runs/{run_id}"' not in http.get(f"/flows/{secret['flows'][0]}").text
    sign_in(http, bob)
    for path in paths:
        assert http.get(path).status_code == 404, path
    http.cookies.clear()
    sign_in(http, alice)
    for path in [*paths, compare]:
        assert http.get(path).status_code == 200, path
    assert f'href="/runs/{run_id}"' in http.get("/runs").text


def test_the_run_list_pages_by_id(http: TestClient, made: dict[str, Any]) -> None:
    page = http.get(f"/runs?task={made['task']}")
    assert all(f'href="/runs/{r}"' in page.text for r in made["runs"])
    after = http.get(f"/runs?task={made['task']}&after={made['runs'][0]}")
    assert f'href="/runs/{made["runs"][0]}"' not in after.text
    assert f'href="/runs/{made["runs"][1]}"' in after.text


def test_a_flow_page_shows_its_parameters_and_runs(http: TestClient, made: dict[str, Any]) -> None:
    flow = made["flows"][0]
    page = http.get(f"/flows/{flow}")
    assert page.status_code == 200
    assert "test.Majority0" in page.text and "<code>alpha</code>" in page.text
    assert f'href="/runs/{made["runs"][0]}"' in page.text
    assert f'href="/runs/{made["runs"][1]}"' not in page.text
    assert "test.Majority0" in http.get("/flows").text


def test_flow_descriptions_and_names_are_inert(http: TestClient, alice: UserKey) -> None:
    body = {
        "name": f"evil{XSS}",
        "external_version": "1",
        "description": f"**bold** {XSS}",
        "parameters": [{"name": "p", "default_value": XSS}],
    }
    flow = http.post("/api/flows", json=body, headers=alice.headers).json()["id"]
    page = http.get(f"/flows/{flow}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert html.escape(XSS, quote=False) in page.text or "&lt;script&gt;" in page.text
    assert "<strong>bold</strong>" in page.text
    assert "<script>alert" not in http.get("/flows").text


def _collection(http: TestClient, user: UserKey, kind: str, **body: Any) -> int:
    answer = http.post(f"/api/{kind}", json=body, headers=user.headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_a_suite_shows_the_best_score_per_task_and_flow(
    http: TestClient, alice: UserKey, made: dict[str, Any]
) -> None:
    suite = _collection(
        http, alice, "suites", name=f"Suite {XSS}", alias="web-suite", task_ids=[made["task"]]
    )
    page = http.get("/suites/web-suite")
    assert page.status_code == 200
    assert 'data-chart="suite-chart"' in page.text
    assert "Majority0" in page.text and "Majority1" in page.text
    assert "<script>alert" not in page.text
    assert http.get(f"/suites/{suite}").status_code == 200
    assert 'href="/suites/' in http.get("/suites").text
    assert http.get("/suites/web-suite?measure=nope").status_code == 422


def test_a_study_lists_its_runs_and_private_studies_stay_private(
    http: TestClient, alice: UserKey, bob: UserKey, made: dict[str, Any]
) -> None:
    open_study = _collection(http, alice, "studies", name="Open study", run_ids=made["runs"][:1])
    hidden = _collection(
        http, alice, "studies", name="Hidden study", run_ids=made["runs"], visibility="private"
    )
    page = http.get(f"/studies/{open_study}")
    assert page.status_code == 200
    assert f'href="/runs/{made["runs"][0]}"' in page.text
    assert f'href="/runs/{made["runs"][1]}"' not in page.text
    listing = http.get("/studies").text
    assert "Open study" in listing and "Hidden study" not in listing
    assert http.get(f"/studies/{hidden}").status_code == 404
    sign_in(http, alice)
    assert http.get(f"/studies/{hidden}").status_code == 200
    assert "Hidden study" in http.get("/studies").text
