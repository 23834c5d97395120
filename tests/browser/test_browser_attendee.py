"""In Chromium, one attendee from the listing to a cancelled registration, through their inbox."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import icalendar

from tests.browser.a11y import (
    PHONE_WIDTH,
    assert_accessible,
    assert_labelled_inputs,
    assert_no_sideways_scroll,
)
from tests.browser.people import fill_registration
from tests.browser.pw import Page, expect
from tests.conftest import local
from webapp.events.models import EventFormat, EventKind


def _find_and_open_the_webinar(page: Page, live_server, tag: str, slug: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Upcoming events", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=f"Ghent workshop {tag}")).to_be_visible()
    page.get_by_label("Type of event").select_option("webinar")
    page.get_by_role("button", name="Show events").click()
    expect(page).to_have_url(re.compile(r"[?&]kind=webinar"))
    expect(page.get_by_role("link", name=f"Ghent workshop {tag}")).to_have_count(0)
    page.get_by_role("link", name=f"Brussels winter webinar {tag}").click()
    expect(page).to_have_url(f"{live_server.url}/events/{slug}")


def _read_both_times(page: Page) -> None:
    expect(page.locator(".event-time")).to_have_text("Sun 28 Feb 2027, 18:00–19:30 CET")
    expect(page.locator(".utc-offset")).to_contain_text("Europe/Brussels")
    # 18:00 in Brussels (UTC+1) is 12:00 in New York (UTC-5): the browser's own zone.
    reader = page.locator(".reader-time")
    expect(reader).to_be_visible()
    expect(reader).to_contain_text("Your time (America/New_York)")
    expect(reader).to_contain_text("28 Feb 2027")
    expect(reader).to_contain_text("12:00")
    expect(reader).to_contain_text("13:30")


def _submit_mistakes_then_fix_them(page: Page, title: str, email: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Register for {title}")
    assert_labelled_inputs(page)
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Email address").fill("ana@@example")
    with page.expect_response(re.compile(r"/register$")) as answer:
        page.get_by_role("button", name="Register").click()
    assert answer.value.status == 422
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Please correct these 5 problems")
    expected = {
        "last_name": "Enter your last name.",
        "email": "Enter a valid email address.",
        "organisation": "Enter your organisation.",
        "country": "Select your country.",
        "consent": "You need to agree to the privacy notice to register.",
    }
    for field_id, message in expected.items():
        field = page.locator(f"#{field_id}")
        expect(page.locator(f"#{field_id}-error")).to_contain_text(message)
        expect(field).to_have_attribute("aria-invalid", "true")
        assert f"{field_id}-error" in field.get_attribute("aria-describedby").split()
        expect(summary.locator(f'a[href="#{field_id}"]')).to_contain_text(message)
    expect(page.get_by_label("First name")).to_have_value("Ana")  # what was typed is kept
    expect(page.get_by_label("Email address")).to_have_value("ana@@example")
    assert_accessible(page)

    summary.get_by_role("link", name=re.compile("^Last name")).click()
    expect(page.get_by_label("Last name")).to_be_focused()
    fill_registration(page, "Ana", "Müller-Łukasiewicz", email)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_role("status")).to_contain_text(email)
    assert_accessible(page)


def _check_invite(path: Path, email: str) -> None:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    (vevent,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) in {"REQUEST", "PUBLISH"}
    assert vevent["DTSTART"].dt.astimezone(UTC) == datetime(2027, 2, 28, 17, 0, tzinfo=UTC)
    assert vevent["DTEND"].dt.astimezone(UTC) == datetime(2027, 2, 28, 18, 30, tzinfo=UTC)
    assert str(vevent["DTSTART"].params["TZID"]) == "Europe/Brussels"
    assert calendar.walk("VTIMEZONE"), "the invite carries its own time zone"
    if str(calendar["METHOD"]) == "REQUEST":
        assert email in str(vevent["ATTENDEE"]).lower()


def test_attendee_finds_registers_gets_the_email_downloads_the_invite_and_cancels(
    live_server, new_context, tmp_path
):
    tag = uuid.uuid4().hex[:6]
    webinar = live_server.make_event(
        title=f"Brussels winter webinar {tag}",
        start_local=local("2027-02-28 18:00"),
        end_local=local("2027-02-28 19:30"),
        capacity=50,
    )
    live_server.make_event(
        title=f"Ghent workshop {tag}",
        kind=EventKind.WORKSHOP,
        format=EventFormat.IN_PERSON,
        venue_name="ICC",
        city="Ghent",
        online_url="",
    )
    email = f"ana.{tag}@example.org"
    page = new_context(timezone_id="America/New_York").new_page()

    _find_and_open_the_webinar(page, live_server, tag, webinar.slug)
    _read_both_times(page)
    page.get_by_role("link", name="Register").click()
    _submit_mistakes_then_fix_them(page, webinar.title, email)

    report = live_server.deliver_mail()
    assert report.sent >= 1
    (mail,) = live_server.mail_to(email)
    assert webinar.title in mail.message["Subject"]
    text = mail.message.get_body(("plain",)).get_content()
    # The person's own join link, only in the email; never the meeting's URL.
    assert f"{live_server.url}/join/" in text and "secret-room" not in text
    # Open the email's HTML in the browser and follow its button, as in a mail client.
    html = mail.message.get_body(("html",)).get_content()
    phone = new_context(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True)
    phone_page = phone.new_page()
    phone_page.set_content(html)
    assert_no_sideways_scroll(phone_page)  # read on a phone, the email fits too
    page.set_content(html)
    assert_accessible(page)  # the email itself: language, contrast, link names
    page.get_by_role("link", name="Manage my registration").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/r/[\w-]{{20,}}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your registration")
    expect(page.locator(".status-confirmed")).to_contain_text("confirmed")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Add to calendar")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    invite = tmp_path / download.suggested_filename
    download.save_as(invite)
    _check_invite(invite, email)

    page.get_by_role("link", name="Cancel my registration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your registration?")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.locator(".status-cancelled")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your registration has been cancelled.")
    expect(page.get_by_role("button", name="Yes, cancel my registration")).to_have_count(0)
    assert_accessible(page)
    assert live_server.registrations(webinar) == {email: "cancelled"}

    live_server.deliver_mail()
    confirmation, cancellation = live_server.mail_to(email)
    assert cancellation.message["Subject"] != confirmation.message["Subject"]
