"""People discuss a dataset in a browser: bob opens a thread from the dataset's page, alice
replies on the thread's page and edits her reply, and a reference in the text links to its
object."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import Site, look, sign_in


def test_bob_opens_a_thread_on_a_dataset_and_alice_replies(page: Any, site: Site) -> None:
    dataset = f"/datasets/{site['ds_iris']}"
    sign_in(page, site.people["bob"])
    page.goto(dataset)
    section = page.locator("section#discussions")
    section.get_by_text("Start a discussion").click()
    section.get_by_label("Title").fill("Petal width units?")
    section.get_by_label("Message").fill(f"Is it **cm**, as in dataset:{site['ds_iris']}? @alice")
    section.get_by_role("button", name="Start discussion").click()
    page.wait_for_url("**/discussions/*")
    thread = page.url
    assert page.get_by_role("heading", name="Petal width units?", level=1).is_visible()
    assert page.locator(".posts strong", has_text="cm").is_visible()
    assert page.get_by_role("link", name=f"dataset:{site['ds_iris']}").count() == 2  # + header
    assert page.get_by_role("link", name="@alice").is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site.url + "/")

    sign_in(page, site.people["alice"])
    page.goto(thread)
    page.get_by_label("Reply").fill("Yes, centimetres.")
    page.get_by_role("button", name="Reply").click()
    page.wait_for_url(thread + "#post-*")
    reply = page.locator(".posts > li").nth(1)
    assert reply.locator(".markdown", has_text="Yes, centimetres.").is_visible()
    reply.get_by_text("Edit").click()
    reply.get_by_label("New text").fill("Yes, centimetres (see the description).")
    reply.get_by_role("button", name="Save").click()
    page.wait_for_url(thread + "#post-*")
    reply = page.locator(".posts > li").nth(1)
    assert reply.locator(".edited").is_visible()
    assert reply.locator(".markdown", has_text="see the description").is_visible()
    look(page, "discussion-thread")
    page.goto(dataset)
    page.locator("section#discussions").scroll_into_view_if_needed()
    assert page.get_by_role("link", name="Petal width units?").is_visible()
    look(page, "dataset-discussions")
