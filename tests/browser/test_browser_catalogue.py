"""In Chromium: the public catalogue, reader time, the 404 page, keyboard, axe and phones.

The listing-to-registration journey in New York time is in test_browser_attendee.py.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import icalendar

from tests.browser.a11y import (
    PHONE_WIDTH,
    assert_accessible,
    assert_focus_visible,
    assert_labelled_inputs,
    assert_no_sideways_scroll,
    tab_until,
)
from tests.browser.pw import expect
from tests.conftest import local
from webapp.events.models import EventFormat, EventKind


def _tag() -> str:
    return uuid.uuid4().hex[:6]


def test_reader_in_the_event_zone_sees_the_same_wall_time(live_server, page):
    event = live_server.make_event(
        start_local=local("2027-06-17 18:00"), end_local=local("2027-06-17 19:30")
    )
    page.goto(f"/events/{event.slug}")
    expect(page.locator(".event-time")).to_have_text("Thu 17 Jun 2027, 18:00–19:30 CEST")
    expect(page.locator(".reader-time")).to_contain_text("Your time (Europe/Brussels)")
    expect(page.locator(".reader-time")).to_contain_text("18:00")


def test_unknown_event_shows_a_friendly_404_that_leads_back(live_server, page):
    response = page.goto("/events/no-such-event")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
    page.get_by_role("link", name="See upcoming events").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_listing_and_event_page_pass_axe_and_have_labels_and_language(live_server, page):
    event = live_server.make_event(title=f"Axe webinar {_tag()}", capacity=40)
    for path in (
        "/",
        "/?kind=webinar&q=nothing-matches-this",
        "/events/past",
        f"/events/{event.slug}",
    ):
        page.goto(path)
        assert page.evaluate("() => document.documentElement.lang") == "en"
        assert_labelled_inputs(page)
        assert_accessible(page)


def test_keyboard_reaches_skip_link_filters_and_an_event_with_visible_focus(live_server, page):
    event = live_server.make_event(title=f"Keyboard webinar {_tag()}")
    page.goto("/")
    page.keyboard.press("Tab")
    ring = assert_focus_visible(page)
    assert ring["text"] == "Skip to content"
    page.keyboard.press("Enter")
    # The skip link moves focus into <main>: the next stop is the page's own first control.
    assert tab_until(page, lambda focus: True)["inMain"]
    tab_until(page, lambda focus: focus["id"] == "q")
    page.keyboard.type("Keyboard webinar")
    assert tab_until(page, lambda focus: focus["tag"] == "select")["id"] == "kind"
    tab_until(page, lambda focus: focus["id"] == "q", backwards=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?q=Keyboard\+webinar&kind="))
    tab_until(page, lambda focus: focus["text"] == event.title)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/events/{event.slug}")


def test_public_pages_fit_a_375px_phone(live_server, new_context):
    event = live_server.make_event(
        title="A deliberately long title for a hybrid workshop on regional innovation "
        f"ecosystems and interregional cooperation {_tag()}",
        kind=EventKind.WORKSHOP,
        format=EventFormat.HYBRID,
        venue_name="Square – Brussels Meeting Centre",
        address="Mont des Arts / Kunstberg, 1000 Bruxelles",
        city="Brussels",
        capacity=120,
        start_local=local("2027-03-10 09:00"),
        end_local=local("2027-03-12 16:00"),
    )
    page = new_context(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True).new_page()
    for path in ("/", "/events/past", f"/events/{event.slug}", "/privacy", "/events/missing"):
        page.goto(path)
        assert_no_sideways_scroll(page)
    page.goto("/")
    page.get_by_label("Type of event").select_option("workshop")
    button = page.get_by_role("button", name="Show events")
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport()
    button.click()
    link = page.get_by_role("link", name=event.title)
    link.scroll_into_view_if_needed()
    expect(link).to_be_in_viewport()
    link.click()
    expect(page).to_have_url(f"{live_server.url}/events/{event.slug}")
    assert_no_sideways_scroll(page)


def test_event_page_adds_the_event_to_a_calendar_at_the_right_instant(live_server, page, tmp_path):
    event = live_server.make_event(
        title=f"Calendar webinar {_tag()}",
        start_local=local("2027-02-28 18:00"),
        end_local=local("2027-02-28 19:30"),
    )
    page.goto(f"/events/{event.slug}")
    google = page.get_by_role("link", name="Google Calendar")
    expect(google).to_have_attribute(
        "href", re.compile(r"dates=20270228T170000Z%2F20270228T183000Z")
    )
    with page.expect_download() as info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.title
    assert vevent["DTSTART"].dt.astimezone(UTC) == datetime(2027, 2, 28, 17, 0, tzinfo=UTC)
    assert "ATTENDEE" not in vevent  # the public file names nobody
    assert "secret-room" not in path.read_text()  # nor the private join link
