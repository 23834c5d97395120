"""In Chromium: registering with the keyboard alone, on a phone, and for the last seat."""

from __future__ import annotations

import re
import uuid

from tests.browser.a11y import (
    PHONE_WIDTH,
    assert_accessible,
    assert_focus_visible,
    assert_no_sideways_scroll,
    tab_until,
)
from tests.browser.people import fill_registration, unique_email
from tests.browser.pw import expect
from webapp.events.models import EventFormat, EventKind


def test_keyboard_alone_registers_with_visible_focus(live_server, page):
    event = live_server.make_event(
        title=f"Keyboard hybrid workshop {uuid.uuid4().hex[:6]}",
        kind=EventKind.WORKSHOP,
        format=EventFormat.HYBRID,
        venue_name="Square",
        city="Brussels",
        capacity=50,
    )
    page.goto(f"/events/{event.slug}")
    tab_until(page, lambda focus: focus["text"] == "Register")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register for")

    tab_until(page, lambda focus: focus["id"] == "first_name")
    page.keyboard.type("Zoë")
    page.keyboard.press("Tab")  # last name left empty on purpose
    tab_until(page, lambda focus: focus["id"] == "email")
    email = unique_email("zoe")
    page.keyboard.type(email)
    page.keyboard.press("Enter")  # Enter in a text field submits the form

    expect(page.locator("#error-summary")).to_be_focused()
    assert_focus_visible(page)
    # From the summary, Tab reaches its link; Enter follows it to the field.
    tab_until(page, lambda focus: focus["text"].startswith("Last name"))
    page.keyboard.press("Enter")
    expect(page.locator("#last_name")).to_be_focused()
    page.keyboard.type("Dubois")
    tab_until(page, lambda focus: focus["id"] == "organisation")
    page.keyboard.type("Sirris")
    assert tab_until(page, lambda focus: focus["tag"] == "select")["id"] == "country"
    page.keyboard.type("Belgium")
    # Into the radio group: Space chooses the focused option.
    tab_until(page, lambda focus: focus["name"] == "attendance_mode")
    page.keyboard.press("Space")
    tab_until(page, lambda focus: focus["id"] == "needs")
    page.keyboard.type("Step-free access, please.")
    # Shift+Tab goes back without losing anything.
    tab_until(page, lambda focus: focus["id"] == "country", backwards=True)
    expect(page.locator("#country")).to_have_value("BE")
    tab_until(page, lambda focus: focus["id"] == "consent")
    page.keyboard.press("Space")
    expect(page.locator("#consent")).to_be_checked()
    tab_until(page, lambda focus: focus["tag"] == "button")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert live_server.registrations(event) == {email: "confirmed"}


def test_registration_pages_fit_a_375px_phone(live_server, new_context):
    event = live_server.make_event(
        title=f"Phone hybrid conference {uuid.uuid4().hex[:6]}",
        kind=EventKind.CONFERENCE,
        format=EventFormat.HYBRID,
        venue_name="Tivoli Congress Center",
        city="Copenhagen",
        capacity=10,
    )
    page = new_context(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True).new_page()
    page.goto(f"/events/{event.slug}/register")
    assert_no_sideways_scroll(page)
    button = page.get_by_role("button", name="Register")
    button.scroll_into_view_if_needed()
    button.click()
    expect(page.locator("#error-summary")).to_be_focused()
    assert_no_sideways_scroll(page)

    email = unique_email("mette")
    fill_registration(page, "Mette", "Frederiksen-Ødegaard", email, country="Denmark")
    page.get_by_label("Online").check()
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport()
    button.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_no_sideways_scroll(page)

    page.goto(live_server.manage_path(event, email))
    assert_no_sideways_scroll(page)
    cancel = page.get_by_role("link", name="Cancel my registration")
    cancel.scroll_into_view_if_needed()
    expect(cancel).to_be_in_viewport()
    cancel.click()
    assert_no_sideways_scroll(page)
    confirm = page.get_by_role("button", name="Yes, cancel my registration")
    confirm.scroll_into_view_if_needed()
    expect(confirm).to_be_in_viewport()
    confirm.click()
    expect(page.locator(".status-cancelled")).to_be_visible()
    assert_no_sideways_scroll(page)


def test_second_person_takes_the_last_seat_and_a_third_joins_the_waiting_list(
    live_server, new_context
):
    event = live_server.make_event(title=f"Two-seat webinar {uuid.uuid4().hex[:6]}", capacity=2)
    people = [
        ("Ines", unique_email("ines")),
        ("Jonas", unique_email("jonas")),
        ("Kaja", unique_email("kaja")),
    ]
    for name, email in people[:2]:
        page = new_context().new_page()
        page.goto(f"/events/{event.slug}")
        page.get_by_role("link", name="Register").click()
        fill_registration(page, name, "Peeters", email)
        page.get_by_role("button", name="Register").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    third = new_context().new_page()
    third.goto(f"/events/{event.slug}")
    expect(third.locator(".state-full")).to_have_text(
        "This event is full. You can join the waiting list."
    )
    third.get_by_role("link", name="Join the waiting list").click()
    expect(third.locator(".notice-warn")).to_contain_text("This event is full")
    fill_registration(third, people[2][0], "Peeters", people[2][1])
    third.get_by_role("button", name="Join the waiting list").click()
    expect(third.get_by_role("heading", level=1)).to_have_text("Check your email")

    assert live_server.registrations(event) == {
        people[0][1]: "confirmed",
        people[1][1]: "confirmed",
        people[2][1]: "waitlisted",
    }
    live_server.deliver_mail()
    (waitlisted,) = live_server.mail_to(people[2][1])
    text = waitlisted.message.get_body(("plain",)).get_content()
    assert "you are on the waiting list, at position 1" in text
    assert not any(part.get_content_type() == "text/calendar" for part in waitlisted.message.walk())
    manage_url = re.search(rf"{re.escape(live_server.url)}/r/[\w-]+", text).group(0)
    third.goto(manage_url)
    expect(third.locator(".waitlist-position")).to_have_text("1")
    assert_accessible(third)
