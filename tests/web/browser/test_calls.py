"""An open call in a browser: bob finds alice's call in the list and volunteers on its page,
alice accepts him there, and the call, the list, the dataset's section and alice's profile
pass the accessibility check."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import Site, look, sign_in


def test_bob_volunteers_and_alice_accepts_him(page: Any, site: Site) -> None:
    call = f"/calls/{site['call']}"
    sign_in(page, site.people["bob"])
    page.goto("/calls?skill=gradient+boosting")
    look(page, "calls-list")
    page.get_by_role("link", name="Someone to try gradient boosting on this").click()
    page.wait_for_url(f"**{call}")
    assert page.locator(".markdown strong", has_text="logistic regression").is_visible()
    page.get_by_label("Message").fill("I can try LightGBM with **target encoding**.")
    page.get_by_role("button", name="Send response").click()
    page.wait_for_url(f"**{call}#response-*")
    assert page.get_by_text("pending").first.is_visible()
    assert page.get_by_role("button", name="Accept bob (write)").count() == 0
    look(page, "call-responded")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site.url + "/")

    sign_in(page, site.people["alice"])
    page.goto(call)
    page.get_by_role("button", name="Accept bob (write)").click()
    page.wait_for_url(f"**{call}#response-*")
    assert page.get_by_role("button", name="Revoke access").is_visible()
    assert page.get_by_text("Collaborators:").is_visible()
    look(page, "call-accepted")
    page.goto(f"/datasets/{site['call_dataset']}")
    section = page.locator("section#open-calls")
    section.scroll_into_view_if_needed()
    assert section.get_by_role("link", name="Someone to try gradient boosting on this").is_visible()
    look(page, "dataset-open-calls")
    page.goto("/people/alice")
    assert page.get_by_text("Hive Lab").is_visible()
    assert page.locator(".bio em", has_text="tabular").is_visible()
    look(page, "profile")
