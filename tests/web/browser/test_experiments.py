"""A visitor explores tasks, runs, flows, suites and studies in a real browser."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import Site, look


def _chart(page: Any, name: str) -> None:
    view = page.locator(f'.chart-view[data-chart="{name}"] svg')
    view.first.wait_for(state="visible")
    assert view.count() == 1


def test_a_visitor_ranks_flows_on_a_task_and_compares_two_runs(page: Any, site: Site) -> None:
    page.goto(f"/tasks/{site['iris_task']}")
    board = page.locator("table.leaderboard tbody tr")
    assert board.count() == site["iris_flows"]  # best run per flow
    _chart(page, "task-runs-chart")
    dots = page.locator('.chart-view[data-chart="task-runs-chart"] svg .mark-symbol path')
    assert dots.count() == len(site["iris_runs"])  # one dot per run
    look(page, "task")
    page.get_by_label("Measure").select_option("log_loss")
    page.get_by_role("button", name="Rank by this measure").click()
    page.wait_for_url("**measure=log_loss**")
    assert page.get_by_text("Lower is better.").is_visible()
    _chart(page, "task-runs-chart")
    page.get_by_label(f"Compare run {site['iris_runs'][0]}").check()
    page.get_by_label(f"Compare run {site['iris_runs'][2]}").check()
    page.get_by_role("button", name="Compare selected").click()
    page.wait_for_url("**/runs/compare?**")
    assert page.get_by_role("heading", name="Compare 2 runs").is_visible()
    changed = page.locator("table.parameters tr.changed")
    assert changed.count() > 0
    assert changed.first.get_by_text("differs").is_visible()
    _chart(page, "compare-folds-chart")
    look(page, "compare")


def test_a_classification_run_shows_its_confusion_matrix(page: Any, site: Site) -> None:
    page.goto(f"/runs/{site['iris_runs'][2]}")
    _chart(page, "run-confusion-chart")
    _chart(page, "run-folds-chart")
    counts = page.locator("table.confusion tbody td")
    assert counts.count() == 9
    assert sum(int(c.replace(",", "")) for c in counts.all_inner_texts()) == 150
    assert page.locator("ul.tree ul.tree li").count() > 0  # the pipeline's components
    look(page, "run")


def test_a_regression_run_shows_predicted_against_true(page: Any, site: Site) -> None:
    page.goto(f"/runs/{site['diabetes_runs'][1]}")
    _chart(page, "run-scatter-chart")
    assert page.get_by_text("442 of 442 predictions are drawn").is_visible()
    assert page.locator("table.confusion").count() == 0


def test_a_flow_page_lists_parameters_components_and_runs(page: Any, site: Site) -> None:
    page.goto(f"/runs/{site['iris_runs'][2]}")
    page.locator("dl.kv").get_by_role("link").nth(2).click()
    page.wait_for_url("**/flows/**")
    assert page.get_by_role("heading", name="Runs of this flow").is_visible()
    assert page.get_by_role("link", name=f"run {site['iris_runs'][2]}").is_visible()
    look(page, "flow")


def test_the_suite_page_draws_its_heat_map(page: Any, site: Site) -> None:
    page.goto("/suites")
    page.get_by_role("link", name="Demo classification suite").click()
    page.wait_for_url("**/suites/demo-cc")
    _chart(page, "suite-chart")
    assert page.locator("table.suite-matrix tbody tr").count() >= 1
    look(page, "suite")


def test_a_study_lists_its_runs(page: Any, site: Site) -> None:
    page.goto("/studies")
    page.get_by_role("link", name="Iris baselines").click()
    page.wait_for_url("**/studies/iris-baselines")
    for run_id in site["iris_runs"]:
        assert page.get_by_role("link", name=f"run {run_id}", exact=True).is_visible()
    look(page, "study")
