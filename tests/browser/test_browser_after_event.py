"""In Chromium: an organiser shares materials and prepares the follow-up email; an
attendee finds the materials on their own page."""

from __future__ import annotations

import uuid

from tests.browser.a11y import assert_accessible, assert_labelled_inputs
from tests.browser.people import create_organiser, sign_in, unique_email
from tests.browser.pw import Page, expect
from tests.registration_support import register


def test_an_organiser_shares_materials_that_an_attendee_then_sees(
    page: Page, new_context, live_server
):
    organiser = unique_email("mette")
    create_organiser(live_server, organiser)
    event = live_server.make_event(title=f"Materials webinar {uuid.uuid4().hex[:6]}")
    live_server.give_event(event, organiser)
    attendee = unique_email("ana")
    register(live_server.app, event.id, attendee)
    sign_in(page, organiser)
    page.goto(f"/organiser/events/{event.id}")
    page.get_by_role("link", name="After the event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("After the event")
    assert_labelled_inputs(page)
    assert_accessible(page)

    materials = page.locator("form.materials-form")
    materials.get_by_label("Short text").fill("Thank you!\n<b>Slides</b> below.")
    link = materials.locator("fieldset.material-link").first
    link.get_by_label("Link title").fill("Slides")
    link.get_by_label("Web address").fill("javascript:alert(1)")
    materials.get_by_label("Published").check()
    materials.get_by_role("button", name="Save the materials").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator(".materials-form")).to_contain_text("starting with https:// or http://")
    assert_accessible(page)
    page.locator("form.materials-form fieldset.material-link").first.get_by_label(
        "Web address"
    ).fill("https://files.example.org/slides.pdf")
    page.locator("form.materials-form").get_by_role("button", name="Save the materials").click()
    expect(page.get_by_role("status").first).to_contain_text("The materials are saved.")

    follow_up = page.locator("form.follow-up-form")
    follow_up.get_by_label("Send a follow-up email").check()
    follow_up.get_by_label("Hours after the end").fill("3")
    follow_up.get_by_label("Message to those who came").fill("Thanks for coming.")
    follow_up.get_by_role("button", name="Save the follow-up email").click()
    expect(page.get_by_role("status").first).to_contain_text("The follow-up email is saved.")
    expect(page.locator(".follow-up-due")).to_be_visible()
    assert_accessible(page)

    visitor = new_context().new_page()
    visitor.goto(live_server.manage_path(event, attendee))
    section = visitor.locator("section.materials")
    expect(section.get_by_role("link", name="Slides")).to_have_attribute(
        "href", "https://files.example.org/slides.pdf"
    )
    expect(section.locator(".materials-text")).to_have_text("Thank you!<b>Slides</b> below.")
    assert_accessible(visitor)
