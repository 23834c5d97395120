"""In Chromium, an organiser runs an event end to end, while an attendee registers beside them."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path

import openpyxl

from tests.browser.a11y import (
    PHONE_WIDTH,
    assert_accessible,
    assert_labelled_inputs,
    assert_no_sideways_scroll,
)
from tests.browser.people import create_organiser, fill_registration, sign_in, unique_email
from tests.browser.pw import BrowserContext, Page, expect


def _create_event(page: Page, title: str, slug: str) -> None:
    page.get_by_role("link", name="Create an event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an event")
    assert_labelled_inputs(page)
    assert_accessible(page)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Web address").fill(slug)
    page.get_by_label("Type", exact=True).select_option("webinar")
    page.get_by_label("Summary", exact=True).fill(
        "Transatlantic cluster cooperation, an online session."
    )
    page.get_by_label("Start date").fill("2027-03-15")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End date").fill("2027-03-15")
    page.get_by_label("End time").fill("11:00")
    page.get_by_label("Time zone").fill("America/New_York")
    page.get_by_label("Format").select_option(label="Online")
    page.get_by_label("Online meeting link").fill("https://meet.example.org/transatlantic")
    page.get_by_label("Capacity").fill("40")
    # New York is on summer time (EDT, UTC-4) from 14 March 2027: 10:00 there is 14:00 UTC.
    page.get_by_role("button", name="Check the time").click()
    preview = page.locator(".schedule-preview")
    expect(preview).to_be_focused()
    expect(preview).to_contain_text("UTC-04:00")
    expect(preview).to_contain_text("14:00")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("saved as a draft")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("The event is published.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Published")


def _attendee_registers(context: BrowserContext, title: str, slug: str, email: str) -> None:
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name=title).click()
    expect(page).to_have_url(re.compile(rf"/events/{slug}$"))
    # The attendee reads Brussels time in their browser: 14:00 UTC is 15:00 CET.
    expect(page.locator(".event-time")).to_contain_text("Mon 15 Mar 2027, 10:00–11:00 EDT")
    expect(page.locator(".reader-time")).to_contain_text("15:00")
    page.get_by_role("link", name="Register").click()
    fill_registration(page, "Søren", "Ødegård", email, country="Denmark")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")


def _download(page: Page, link_name: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = info.value
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def _check_exports(page: Page, slug: str, email: str, folder: Path) -> None:
    csv_path = _download(page, "CSV", folder)
    assert slug in csv_path.name and csv_path.suffix == ".csv"
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(r["First name"], r["Last name"], r["Email"]) for r in rows] == [
        ("Søren", "Ødegård", email)
    ]
    assert rows[0]["Status"].lower() == "confirmed"

    xlsx_path = _download(page, "Excel (.xlsx)", folder)
    assert slug in xlsx_path.name and xlsx_path.suffix == ".xlsx"
    workbook = openpyxl.load_workbook(xlsx_path)
    header, *body = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    assert len(body) == 1
    record = dict(zip(header, body[0], strict=False))
    assert (record["First name"], record["Last name"], record["Email"]) == (
        "Søren",
        "Ødegård",
        email,
    )


def _move_the_event(page: Page) -> None:
    page.get_by_role("link", name="Edit").click()
    expect(page.locator(".notice-warn")).to_contain_text("everyone registered gets an email")
    page.get_by_label("Start time").fill("11:00")
    page.get_by_label("End time").fill("12:30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(
        "1 attendee will get an email with the new details"
    )
    expect(page.locator(".event-facts")).to_contain_text("11:00–12:30 EDT")
    emails = page.locator(
        "section", has=page.get_by_role("heading", name="Emails about this event")
    )
    expect(emails.get_by_role("row", name=re.compile("^Event changed"))).to_be_visible()
    assert_accessible(page)


def test_organiser_creates_publishes_sees_a_registration_exports_and_moves_the_event(
    live_server, new_context, tmp_path
):
    tag = uuid.uuid4().hex[:6]
    organiser_email, attendee_email = unique_email("lena"), unique_email("soren")
    title, slug = f"Transatlantic clusters {tag}", f"transatlantic-clusters-{tag}"
    create_organiser(live_server, organiser_email)
    organiser = new_context().new_page()
    sign_in(organiser, organiser_email, check_accessibility=True)
    _create_event(organiser, title, slug)

    _attendee_registers(new_context(), title, slug, attendee_email)

    organiser.get_by_role("link", name="Attendees").click()
    expect(organiser.get_by_role("heading", level=1)).to_have_text("Attendees")
    table = organiser.get_by_role("region", name="Attendees")
    expect(table.get_by_role("row", name=re.compile("Søren Ødegård"))).to_contain_text("Confirmed")
    assert_accessible(organiser)
    _check_exports(organiser, slug, attendee_email, tmp_path)

    organiser.get_by_role("link", name=f"← {title}").click()
    _move_the_event(organiser)
    event = live_server.event(slug)
    assert ("event_changed", attendee_email, "queued") in live_server.outbox(event)
    live_server.deliver_mail()
    kinds = [mail.message["Subject"] for mail in live_server.mail_to(attendee_email)]
    assert len(kinds) == 2  # the confirmation, then the change with its updated invite


def test_organiser_pages_fit_a_375px_phone(live_server, new_context):
    email = unique_email("phone-organiser")
    create_organiser(live_server, email)
    page = new_context(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True).new_page()
    sign_in(page, email)
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name="Create an event").click()
    assert_no_sideways_scroll(page)
    page.get_by_label("Title", exact=True).fill(f"Phone event {uuid.uuid4().hex[:6]}")
    page.get_by_label("Start date").fill("2027-05-04")
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("End date").fill("2027-05-04")
    page.get_by_label("End time").fill("12:00")
    page.get_by_label("Time zone").fill("Europe/Lisbon")
    page.get_by_label("Format").select_option(label="Online")
    page.get_by_label("Online meeting link").fill("https://meet.example.org/phone")
    save = page.get_by_role("button", name="Save")
    save.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
    save.click()
    expect(page.get_by_role("status")).to_contain_text("saved as a draft")
    assert_no_sideways_scroll(page)
    publish = page.get_by_role("button", name="Publish")
    publish.scroll_into_view_if_needed()
    expect(publish).to_be_in_viewport()
    publish.click()
    expect(page.get_by_role("status")).to_contain_text("The event is published")
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name="Attendees").click()
    assert_no_sideways_scroll(page)
    for name in ("CSV", "Excel (.xlsx)"):
        link = page.get_by_role("link", name=name, exact=True)
        link.scroll_into_view_if_needed()
        expect(link).to_be_in_viewport()
