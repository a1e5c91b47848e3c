"""A visitor and signed-in people on the dataset list and a dataset's page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.browser.conftest import Site, look, sign_in


def test_a_visitor_filters_the_list_and_opens_a_dataset_with_its_charts(
    page: Any, site: Site
) -> None:
    page.goto("/datasets")
    assert page.get_by_role("link", name="diabetes").is_visible()
    look(page, "dataset-list")
    page.get_by_label("Text").fill("iris")
    page.get_by_label("Instances at least").fill("100")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/datasets?*q=iris*")
    assert page.get_by_role("link", name="diabetes").count() == 0
    page.get_by_role("link", name="iris", exact=True).click()
    page.wait_for_url(f"**/datasets/{site['ds_iris']}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("iris")
    views = page.locator(".chart-view")
    assert views.count() >= 6  # five features and the class balance
    for i in range(views.count()):
        views.nth(i).locator("svg").first.wait_for()
    assert page.get_by_role("heading", name="Landmarkers").is_visible()
    assert page.get_by_role("cell", name="NumberOfInstances", exact=True).is_visible()
    similar = page.locator("section", has=page.get_by_role("heading", name="Similar datasets"))
    assert similar.get_by_role("link").count() >= 1  # the other demo datasets, nearest first
    look(page, "dataset")


def test_a_visitor_downloads_the_csv(page: Any, site: Site, tmp_path: Path) -> None:
    page.goto(f"/datasets/{site['ds_iris']}")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    saved = tmp_path / "iris.csv"
    info.value.save_as(saved)
    header = saved.read_text().splitlines()[0]
    assert (
        header
        == '"sepal length (cm)","sepal width (cm)","petal length (cm)","petal width (cm)","target"'
    )


def test_another_user_cannot_see_a_private_dataset(page: Any, site: Site) -> None:
    hidden = site["ds_private"]
    sign_in(page, site.people["bob"])
    answer = page.goto(f"/datasets/{hidden}")
    assert answer.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Not found"
    page.goto("/datasets?status=all")
    assert page.get_by_text("alice-hidden-data").count() == 0
    assert page.request.get(f"/datasets/{hidden}/download/csv").status == 404


def test_injected_markup_runs_nothing_and_shows_as_text(page: Any, site: Site) -> None:
    page.goto(f"/datasets/{site['ds_xss']}")
    assert page.evaluate("window.__xss") is None
    assert page.get_by_text("Payload: <script>window.__xss=1</script>").is_visible()
    assert page.get_by_role("cell", name="<script>", exact=False).first.is_visible()
    page.goto("/datasets?q=xss")
    assert page.evaluate("window.__xss") is None


def test_the_owner_edits_the_description_and_tags_the_dataset(page: Any, site: Site) -> None:
    dataset = site["ds_editable"]
    sign_in(page, site.people["alice"])
    page.goto(f"/datasets/{dataset}")
    page.get_by_text("Edit the description").click()
    page.get_by_label("Description (Markdown)").fill("Second **draft**.")
    page.get_by_role("button", name="Save description").click()
    page.wait_for_url(f"**/datasets/{dataset}")
    assert page.locator(".markdown strong").inner_text() == "draft"
    page.get_by_label("New tag").fill("curated")
    page.get_by_role("button", name="Add tag").click()
    page.wait_for_url(f"**/datasets/{dataset}#tags")
    assert page.locator(".tag", has_text="curated").is_visible()
