"""A visitor finds a deployment, sees the commit answering and the moves of its alias."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import Site, look, sign_in


def test_a_visitor_reads_a_deployment_and_its_alias_trail(page: Any, site: Site) -> None:
    page.goto("/deployments")
    look(page, "deployments-list")
    page.get_by_role("link", name="scorer", exact=True).click()
    page.wait_for_url("**/deployments/scorer")
    assert page.get_by_role("heading", name="scorer", level=1).is_visible()
    answering = page.locator("dl.kv dd", has_text=site["deployment_commit"][:12])
    assert answering.is_visible()
    trail = page.locator("section", has=page.get_by_role("heading", name="Moves of @production"))
    assert trail.get_by_role("row").count() == 3  # the header and two promotions
    look(page, "deployment")


def test_the_owner_sees_answer_times_and_the_inputs_of_the_calls(page: Any, site: Site) -> None:
    sign_in(page, site.people["alice"])
    page.goto("/deployments/scorer")
    monitoring = page.locator("section", has=page.get_by_role("heading", name="Monitoring"))
    assert monitoring.get_by_text("Over 3 answered calls").is_visible()
    table = monitoring.get_by_role("table")
    assert table.get_by_role("row").count() == 3  # the header, x1 and x2
    assert table.get_by_role("row", name="x2").get_by_text("33.3 %").is_visible()
    look(page, "deployment-monitoring")
