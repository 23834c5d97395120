"""In Chromium: an organiser writes to the online attendees of a hybrid event, previews
the message with the recipient count, sends it, and only the online attendees get it."""

from __future__ import annotations

import uuid

from tests.browser.a11y import assert_accessible, assert_labelled_inputs
from tests.browser.people import create_organiser, sign_in, unique_email
from tests.browser.pw import Page, expect
from tests.organiser_support import add_registrations
from webapp.events.models import EventFormat
from webapp.registration.models import AttendanceMode, RegistrationStatus


def test_an_organiser_sends_an_announcement_to_the_online_group(page: Page, live_server):
    organiser = unique_email("olga")
    create_organiser(live_server, organiser)
    event = live_server.make_event(
        title=f"Hybrid forum {uuid.uuid4().hex[:6]}",
        format=EventFormat.HYBRID,
        venue_name="Hall A",
        city="Aarhus",
        country="DK",
    )
    live_server.give_event(event, organiser)
    online = [unique_email("otto"), unique_email("oda")]
    room, gone = unique_email("rita"), unique_email("gina")
    add_registrations(
        live_server.app,
        event.id,
        [
            {"email": online[0], "first_name": "Otto", "attendance_mode": AttendanceMode.ONLINE},
            {"email": online[1], "first_name": "Oda", "attendance_mode": AttendanceMode.ONLINE},
            {"email": room, "first_name": "Rita", "attendance_mode": AttendanceMode.IN_PERSON},
            {
                "email": gone,
                "attendance_mode": AttendanceMode.ONLINE,
                "status": RegistrationStatus.CANCELLED,
            },
        ],
    )
    sign_in(page, organiser)
    page.goto(f"/organiser/events/{event.id}")

    page.get_by_role("link", name="New announcement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write to attendees")
    assert_labelled_inputs(page)
    assert_accessible(page)
    page.get_by_label("Send to").select_option(label="Confirmed, attending online")
    page.get_by_label("Subject").fill("Your link for {event_title}")
    page.get_by_label("Message").fill("Hello {first_name},\n\nThe room opens at **17:45**.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#recipient-count")).to_have_text("This message will go to 2 people.")
    expect(page.locator("#preview-body")).to_contain_text("Hello Otto,")
    assert_accessible(page)
    page.get_by_role("button", name="Send to 2 people").click()

    expect(page.get_by_role("status").first).to_contain_text("on its way to 2 people")
    expect(page.locator("table.announcements")).to_contain_text("Your link for {event_title}")
    live_server.deliver_mail()
    for address, name in zip(online, ("Otto", "Oda"), strict=True):
        (mail,) = live_server.mail_to(address)
        assert str(mail.message["Subject"]) == f"Your link for {event.title}"
        assert f"Hello {name}," in mail.message.get_body(("plain",)).get_content()
    assert live_server.mail_to(room) == []
    assert live_server.mail_to(gone) == []
