"""In Chromium: an attendee corrects their details; an organiser adds one attendee by hand
and imports others from an Excel CSV file, checking the preview first."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from tests.browser.a11y import assert_accessible, assert_labelled_inputs
from tests.browser.people import create_organiser, sign_in, unique_email
from tests.browser.pw import Page, expect
from tests.registration_support import register


def test_an_attendee_corrects_their_details(page: Page, live_server):
    event = live_server.make_event(title=f"Correction webinar {uuid.uuid4().hex[:6]}")
    email = unique_email("ana")
    register(live_server.app, event.id, email)
    page.goto(live_server.manage_path(event, email))
    details = page.locator("form.details-form")
    expect(details.get_by_role("heading", name="Your details")).to_be_visible()
    expect(details).to_contain_text(email)
    assert_labelled_inputs(page)
    assert_accessible(page)
    page.get_by_label("Last name").fill("")
    page.get_by_role("button", name="Save my details").click()
    expect(page.locator("#last_name-error")).to_have_text("Enter your last name.")
    page.get_by_label("Last name").fill("Martín-Ruiz")
    page.get_by_label("Role or job title").fill("Director")
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_role("status").first).to_contain_text("Your details are saved.")
    expect(page.locator(".manage")).to_contain_text("Ana Martín-Ruiz")
    assert_accessible(page)


def test_an_organiser_adds_and_imports_attendees(page: Page, live_server, tmp_path: Path):
    organiser = unique_email("lena")
    create_organiser(live_server, organiser)
    title = f"Import workshop {uuid.uuid4().hex[:6]}"
    event = live_server.make_event(title=title, capacity=2)
    live_server.give_event(event, organiser)
    sign_in(page, organiser)
    page.goto(f"/organiser/events/{event.id}/attendees")

    page.get_by_role("link", name="Add attendee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an attendee")
    assert_labelled_inputs(page)
    assert_accessible(page)
    added = unique_email("ines")
    page.get_by_label("First name").fill("Ines")
    page.get_by_label("Last name").fill("Duarte")
    page.get_by_label("Email address").fill(added)
    page.get_by_label("Country").select_option(label="Portugal")
    page.get_by_role("button", name="Add the attendee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ines Duarte")
    expect(page.locator(".registration-source")).to_have_text("Added by an organiser")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("Attendees")).first.click()
    page.get_by_role("link", name="Import from CSV").click()
    assert_labelled_inputs(page)
    assert_accessible(page)
    first, second = unique_email("soren"), unique_email("asa")
    file = tmp_path / "deltagere.csv"
    file.write_bytes(
        (
            "Fornavn;Efternavn;E-mail;Land\r\n"
            f"Søren;Kierkegård;{first};Danmark\r\n"
            f"Åsa;Öberg;{second};Sverige\r\n"
            ";Nobody;nobody@example.org;DK\r\n"
        ).encode("cp1252")
    )
    page.get_by_label("CSV file").set_input_files(file)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import")
    expect(page.locator(".import-problems")).to_contain_text("Row 4: The first name is missing.")
    assert_accessible(page)
    assert live_server.registrations(event) == {added: "confirmed"}
    page.get_by_role("button", name="Add 2 attendees").click()
    expect(page.get_by_role("status").first).to_contain_text("1 with a seat, 1 on the waiting list")
    assert live_server.registrations(event) == {
        added: "confirmed",
        first: "confirmed",
        second: "waitlisted",
    }
