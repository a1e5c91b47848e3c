"""Activity in a browser: bob sees the unread badge, reads his inbox and marks it read; the
inbox, a person's feed and a dataset's Activity section pass the accessibility check."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import Site, look, sign_in


def test_bob_reads_his_inbox_and_alices_feed(page: Any, site: Site) -> None:
    dataset = site["activity_dataset"]
    sign_in(page, site.people["bob"])
    page.goto(f"/datasets/{dataset}")
    badge = page.locator("header .badge.unread")
    badge.wait_for()
    assert badge.is_visible()
    section = page.locator("section#activity")
    section.scroll_into_view_if_needed()
    assert section.get_by_role("button", name="Stop watching").is_visible()
    look(page, "dataset-activity")
    page.get_by_role("link", name="Inbox").click()
    page.wait_for_url("**/inbox")
    item = page.locator("ul.notifications li.unread", has_text="New rain gauges").first
    item.wait_for()
    assert item.is_visible()
    look(page, "inbox")
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_url("**/inbox")
    page.get_by_text("0 unread").wait_for()
    assert page.locator("header .badge.unread").count() == 0
    assert page.locator("ul.notifications li.unread").count() == 0

    page.goto("/people/alice")
    page.get_by_role("link", name="Activity feed").click()
    page.wait_for_url("**/people/alice/activity")
    entry = page.locator("ul.events li", has_text="activity-rain").first
    entry.wait_for()
    assert page.get_by_role("link", name=f"dataset:{dataset}").first.is_visible()
    look(page, "person-activity")
