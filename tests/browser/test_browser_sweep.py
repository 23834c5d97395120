"""Every page a person can reach, checked the same way: axe-core, labels, 375 px, focus rings."""

from __future__ import annotations

import uuid

from tests.browser.a11y import (
    PHONE_WIDTH,
    assert_accessible,
    assert_labelled_inputs,
    assert_no_sideways_scroll,
    tab_until,
)
from tests.browser.people import create_organiser, fill_registration, sign_in, unique_email
from tests.browser.pw import Page, expect
from tests.conftest import local
from webapp.events.models import EventFormat, EventKind, EventStatus


def _check(page: Page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response.status == status, f"{path}: {response.status}"
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert_labelled_inputs(page)
    assert_accessible(page)


def _check_every_tab_stop(page: Page) -> None:
    """Tab through the whole page: each stop shows its focus, until focus leaves the page."""
    try:
        tab_until(page, lambda focus: False, limit=100)
    except AssertionError as error:
        assert "nothing is focused" in str(error), error


def test_public_and_attendee_pages(live_server, new_context):
    tag = uuid.uuid4().hex[:6]
    hybrid = live_server.make_event(
        title=f"Sweep hybrid summit {tag}",
        kind=EventKind.SUMMIT,
        format=EventFormat.HYBRID,
        venue_name="Egmont Palace",
        address="Place du Petit Sablon 8",
        city="Brussels",
        capacity=1,
        description="## Programme\n\n* **Opening** by the chair\n* Panels\n\n[Venue](https://example.org)",
    )
    cancelled = live_server.make_event(
        title=f"Sweep cancelled webinar {tag}", status=EventStatus.CANCELLED
    )
    past = live_server.make_event(
        title=f"Sweep past workshop {tag}",
        start_local=local("2025-03-04 09:00"),
        end_local=local("2025-03-04 12:00"),
    )
    seated, waiting = unique_email("seated"), unique_email("waiting")
    for page_size in ({"width": 1280, "height": 900}, {"width": PHONE_WIDTH, "height": 740}):
        phone = page_size["width"] == PHONE_WIDTH
        page = new_context(viewport=page_size, is_mobile=phone).new_page()
        paths = [
            "/",
            "/events/past",
            "/privacy",
            f"/events/{hybrid.slug}",
            f"/events/{hybrid.slug}/register",
            f"/events/{cancelled.slug}",
            f"/events/{cancelled.slug}/register",
            f"/events/{past.slug}",
            f"/events/{past.slug}/register",
        ]
        for path in paths:
            _check(page, path)
            if phone:
                assert_no_sideways_scroll(page)
        _check(page, "/r/not-a-real-token", 404)
        if phone:
            continue
        for path in (f"/events/{hybrid.slug}", f"/events/{hybrid.slug}/register"):
            page.goto(path)
            _check_every_tab_stop(page)
        for email in (seated, waiting):
            page.goto(f"/events/{hybrid.slug}/register")
            fill_registration(page, "Maëlle", "N'Diaye", email, country="Senegal")
            page.get_by_label("In person").check()
            page.get_by_label("Accessibility or dietary needs").fill("Vegetarian")
            if email == waiting:  # the room is full, online seats are not: the form says so
                expect(page.locator(".room-full")).to_be_visible()
            # A hybrid event with free online seats takes registrations, whatever the room.
            page.get_by_role("button", name="Register").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert live_server.registrations(hybrid) == {seated: "confirmed", waiting: "waitlisted"}
    phone = new_context(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True).new_page()
    for email in (seated, waiting):
        manage = live_server.manage_path(hybrid, email)
        for path in (manage, f"{manage}/cancel"):
            _check(phone, path)
            assert_no_sideways_scroll(phone)


def test_organiser_pages(live_server, new_context):
    email = unique_email("sweep-admin")
    create_organiser(live_server, email)
    page = new_context().new_page()
    _check(page, "/organiser/password/forgot")
    page.get_by_role("button").last.click()  # an empty request: errors in place
    assert_accessible(page)
    page.goto("/organiser/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary, .flash-error").first).to_be_visible()
    assert_accessible(page)
    sign_in(page, email)

    page.goto("/organiser/events/new")
    page.get_by_label("Title", exact=True).fill("Sweep event")
    page.get_by_label("Start date").fill("2027-04-01")
    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#error-summary")).to_be_focused()
    assert_labelled_inputs(page)
    assert_accessible(page)

    event = live_server.make_event(title=f"Sweep organiser event {uuid.uuid4().hex[:6]}")
    live_server.give_event(event, email)
    pages = [
        "/organiser/events",
        f"/organiser/events/{event.id}",
        f"/organiser/events/{event.id}/edit",
        f"/organiser/events/{event.id}/attendees",
        f"/organiser/events/{event.id}/cancel",
        "/organiser/password",
    ]
    for path in pages:
        _check(page, path)
    phone = new_context(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True).new_page()
    sign_in(phone, email)
    for path in pages:
        phone.goto(path)
        assert_no_sideways_scroll(phone)
