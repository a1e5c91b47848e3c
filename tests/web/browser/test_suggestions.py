"""A person finds suggested collaborators from their profile, with the reasons."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import Site, look, sign_in


def test_a_person_opens_their_suggested_collaborators(page: Any, site: Site) -> None:
    sign_in(page, site.people["alice"])
    page.goto("/people/alice")
    page.get_by_role("link", name="Suggested collaborators").click()
    page.wait_for_url("**/people/alice/suggested")
    assert page.get_by_role("heading", name="Suggested collaborators for alice").is_visible()
    suggestions = page.locator("#suggestions")
    assert suggestions.get_by_role("link", name="dana").is_visible()
    assert suggestions.get_by_text("shares 1 interest: gradient-boosting").is_visible()
    assert suggestions.get_by_role("link", name="bob").count() == 0  # a teammate in lab
    look(page, "suggested")
