"""A visitor reads a model's card, diff and lineage; people review and merge a request; a
private repository stays hidden."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import Site, look, sign_in


def test_a_visitor_reads_a_model_its_diff_and_its_lineage(page: Any, site: Site) -> None:
    page.goto("/models")
    look(page, "models-list")
    page.get_by_role("link", name="admin/diabetes-mlp").click()
    page.wait_for_url("**/models/admin/diabetes-mlp")
    assert page.get_by_role("heading", name="admin/diabetes-mlp", level=1).is_visible()
    assert page.locator("dl.kv dd", has_text="average").is_visible()  # the card of the merge
    graph = page.locator("figure.lineage svg")
    assert graph.is_visible()
    assert graph.locator("circle.commit").count() == 5
    assert graph.locator("line.link.merge").count() >= 1
    graph.scroll_into_view_if_needed()
    look(page, "model-repository")
    history = page.locator("section", has=page.get_by_role("heading", name="History of main"))
    history.get_by_role("row", name="Epoch 2").get_by_role("link").first.click()
    page.wait_for_url("**/models/admin/diabetes-mlp/commits/*")  # is_visible() does not wait
    assert page.get_by_role("heading", name="Epoch 2", level=1).is_visible()
    changed = page.locator("table", has=page.get_by_text("L2 norm of the difference"))
    assert changed.get_by_text("out.weight").is_visible()
    assert changed.get_by_text("hidden.weight").count() == 0
    look(page, "model-commit")


def test_the_card_of_a_scikit_learn_model_shows_its_lineage_and_request(
    page: Any, site: Site
) -> None:
    page.goto("/models/admin/iris-classifier")
    assert page.get_by_role("heading", name="Iris classifier").is_visible()  # card Markdown
    assert page.get_by_text("sklearn.pipeline.Pipeline").first.is_visible()
    page.get_by_role("link", name="#1 Less regularisation (C=20)").click()
    page.wait_for_url("**/models/admin/iris-classifier/requests/1")  # is_visible() does not wait
    verdict = page.locator("p.verdict").inner_text()  # says why when the evaluation failed
    assert page.get_by_role("cell", name="predictive_accuracy").first.is_visible(), verdict
    look(page, "model-request-evaluated")


def test_bob_comments_and_alice_merges_the_request(page: Any, site: Site) -> None:
    path = f"/models/alice/tiny-net/requests/{site['models_request']}"
    sign_in(page, site.people["bob"])
    page.goto(path)
    assert page.get_by_role("button", name="Merge").count() == 0
    page.get_by_label("Comment").fill("Retrained on **more** data.")
    page.get_by_role("button", name="Comment").click()
    page.wait_for_url("**" + path)
    assert page.locator(".thread strong", has_text="more").is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site.url + "/")
    sign_in(page, site.people["alice"])
    page.goto(path)
    look(page, "model-request")
    page.get_by_role("button", name="Merge").click()
    page.wait_for_url("**" + path)
    assert page.locator("dd.mr-state").inner_text() == "merged"
    assert page.get_by_role("button", name="Merge").count() == 0


def test_bob_cannot_see_alices_private_repository(page: Any, site: Site) -> None:
    sign_in(page, site.people["bob"])
    answer = page.goto("/models/alice/secret-net")
    assert answer is not None and answer.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    page.goto("/models")
    assert page.get_by_text("alice/tiny-net").is_visible()
    assert page.get_by_text("secret-net").count() == 0


def test_a_commit_page_shows_which_model_check_failed_and_why(page: Any, site: Site) -> None:
    page.goto(f"/models/alice/checked-iris/commits/{site['checked_commit']}")
    panel = page.locator("section#checks")
    assert panel.get_by_text(
        "This commit cannot be promoted until every check passes."
    ).is_visible()
    failed = panel.get_by_role("row", name="degenerate")
    assert failed.get_by_text("failed").is_visible()
    assert failed.get_by_text("a constant prediction").is_visible()
    assert panel.get_by_role("row", name="latency").get_by_text("passed").is_visible()
    panel.scroll_into_view_if_needed()
    look(page, "model-commit-checks")


def test_the_owner_reads_what_data_a_commit_has_seen_and_re_runs_its_checks(
    page: Any, site: Site
) -> None:
    api = f"{site.url}/api/models/admin/iris-classifier/commits/main"
    sha = page.request.get(api).json()["id"]
    checks = f"{api}/checks"
    before = page.request.get(checks).json()
    assert before["state"] == "done" and before["passed"] is True, before
    path = f"/models/admin/iris-classifier/commits/{sha}"
    page.goto(path)
    seen = page.locator("section#data-seen")
    row = seen.get_by_role("row", name="iris")
    assert row.get_by_role("link", name="iris").is_visible()
    assert row.get_by_text("uploader").is_visible()
    assert page.get_by_role("button", name="Re-run checks").count() == 0  # not signed in
    sign_in(page, site.people["admin"])
    page.goto(path)
    seen.scroll_into_view_if_needed()
    look(page, "model-commit-data-seen")
    page.get_by_role("button", name="Re-run checks").click()
    page.wait_for_url("**" + path + "#checks")
    assert page.request.get(checks).json()["job_id"] != before["job_id"]
    assert page.locator("section#checks").is_visible()
