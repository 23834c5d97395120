"""In Chromium, a Swedish reader registers on the Swedish page and gets a Swedish email.

The form is found and filled by its fields, not by label text, so the journey holds
whatever the page's words are; the language is what the page says it is (`<html lang>`),
the URLs it keeps, and what arrives at the SMTP server.
"""

from __future__ import annotations

import re
import uuid

import icalendar

from tests.browser.pw import expect
from tests.calendar_support import vobject_events
from tests.conftest import local
from webapp.db import begin_write
from webapp.events.models import EventTranslation
from webapp.extensions import db

TITLE_SV = "Webbinarium om regional innovation"


def test_a_swedish_registration_brings_a_swedish_email_with_an_invite_at_18_cet(
    live_server, new_context
):
    tag = uuid.uuid4().hex[:6]
    webinar = live_server.make_event(
        title=f"Brussels webinar {tag}",
        start_local=local("2027-02-28 18:00"),
        end_local=local("2027-02-28 19:30"),
        timezone="Europe/Brussels",
        capacity=50,
    )
    with live_server.app.app_context():
        begin_write(db.session)
        db.session.add(
            EventTranslation(
                event_id=webinar.id,
                language="sv",
                title=f"{TITLE_SV} {tag}",
                summary="Smart specialisering i praktiken.",
                description="",
            )
        )
        db.session.commit()
    email = f"sara.{tag}@example.org"
    page = new_context(locale="sv-SE").new_page()

    page.goto(f"/sv/events/{webinar.slug}")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.locator(f'a[href$="/sv/events/{webinar.slug}/register"]').first.click()
    expect(page).to_have_url(f"{live_server.url}/sv/events/{webinar.slug}/register")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.locator("#first_name").fill("Sara")
    page.locator("#last_name").fill("Lindqvist")
    page.locator("#email").fill(email)
    page.locator("#organisation").fill("Region Skåne")
    page.locator("#country").select_option("SE")
    page.locator("#consent").check()
    page.locator(f'form[action$="/sv/events/{webinar.slug}/register"] button[type=submit]').click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/sv/"))
    expect(page.locator("html")).to_have_attribute("lang", "sv")

    report = live_server.deliver_mail()
    assert report.sent >= 1
    (mail,) = live_server.mail_to(email)
    message = mail.message
    assert str(message["Subject"]) == f"Anmälan bekräftad: {TITLE_SV} {tag}"
    assert message["Content-Language"] == "sv"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("Hej Sara!")
    assert "sön 28 feb. 2027 kl. 18:00–19:30 CET" in text
    assert f"{live_server.url}/sv/r/" in text

    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    data = part.get_payload(decode=True)
    (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == f"{TITLE_SV} {tag}"
    start = vevent.decoded("DTSTART")
    assert (start.hour, start.minute, start.tzname()) == (18, 0, "CET")
    (parsed,) = vobject_events(data)
    assert (parsed.dtstart.value.hour, parsed.dtstart.value.tzname()) == (18, "CET")

    # The email's own page, opened as a mail client would, leads to the Swedish manage page.
    page.set_content(message.get_body(("html",)).get_content())
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.get_by_role("link", name="Hantera min anmälan").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/sv/r/[\w-]{{20,}}$"))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
