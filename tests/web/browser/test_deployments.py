"""A visitor finds a deployment, sees the commit answering and the moves of its alias."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import Site, look


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
