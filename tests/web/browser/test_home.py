"""A visitor and a signed-in person on the home, search, sign-in and profile pages."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import Site, look, sign_in


def test_a_visitor_sees_the_demo_on_the_home_page(page: Any, site: Site) -> None:
    page.goto("/")
    assert page.get_by_role("link", name="iris").first.is_visible()
    look(page, "home")


def test_a_visitor_searches_from_any_page(page: Any, site: Site) -> None:
    page.goto("/people/alice")
    box = page.get_by_role("searchbox", name="Search the hive")
    box.fill("iris")
    box.press("Enter")
    page.wait_for_url("**/search?q=iris")
    assert page.get_by_role("heading", name="Datasets").is_visible()
    assert page.locator('a[href^="/datasets/"]', has_text="iris").count() == 1
    assert page.locator('a[href^="/tasks/"]').count() >= 1  # the demo's task on iris
    look(page, "search")


def test_signing_in_shows_your_private_work_and_signing_out_hides_it(page: Any, site: Site) -> None:
    page.goto("/people/alice")
    assert page.get_by_role("link", name="alice-measurements").first.is_visible()
    assert page.get_by_text("alice-private-notes").count() == 0
    sign_in(page, site.people["alice"])
    page.goto("/people/alice")
    assert page.get_by_role("link", name="alice-private-notes").first.is_visible()
    look(page, "profile")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site.url + "/")
    page.goto("/people/alice")
    assert page.get_by_text("alice-private-notes").count() == 0


def test_the_sign_in_page_explains_a_wrong_key(page: Any, site: Site) -> None:
    page.goto("/sign-in")
    look(page, "sign-in")
    page.get_by_label("API key").fill("mlh_not-a-key")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("That API key is unknown")


def test_a_team_page_shows_its_members_and_its_private_work_to_them(page: Any, site: Site) -> None:
    page.goto("/people/lab")
    assert page.get_by_role("link", name="alice").first.is_visible()
    assert page.get_by_role("link", name="lab-benchmarks").first.is_visible()
    assert page.get_by_text("lab-unreleased").count() == 0
    sign_in(page, site.people["bob"])  # a reader of the team
    page.goto("/people/lab")
    assert page.get_by_role("link", name="lab-unreleased").first.is_visible()
    look(page, "team")
    page.get_by_role("link", name="bob").first.click()
    page.wait_for_url("**/people/bob")
    assert page.get_by_role("link", name="lab").first.is_visible()
