"""Every email in the registration's language, asserted on what a real SMTP server got.

A registration keeps the language of the page it was made on; every later message to that
person (confirmation, waiting list, promotion, reminders, changes, cancellations) has its
subject, both bodies, dates, links and calendar invite in that language, whoever caused it
and from whichever page. The password link goes in the language of the page it was asked
from.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import icalendar
import pytest
import sqlalchemy as sa

from tests.calendar_support import vobject_events
from tests.conftest import local
from tests.i18n_support import LANGUAGES, WEBINAR_TITLES, WINTER_WEBINAR_TIME
from tests.mail_support import deliver
from tests.organiser_support import make_organiser
from tests.registration_support import register
from webapp import i18n
from webapp.db import begin_write
from webapp.events.models import Event, EventTranslation
from webapp.extensions import db
from webapp.mail import messages
from webapp.mail.messages import MessageKind
from webapp.registration.models import Registration

TITLES = WEBINAR_TITLES
ORGANISER = "Klyngeplatformen Øresund"
# The kinds sent to one person with a seat (the waiting list one says so by its kind).
KINDS = (
    MessageKind.CONFIRMED,
    MessageKind.WAITLISTED,
    MessageKind.PROMOTED,
    MessageKind.CANCELLED,
    MessageKind.EVENT_CHANGED,
    MessageKind.EVENT_CANCELLED,
    MessageKind.REMINDER_24H,
    MessageKind.REMINDER_1H,
)
SUBJECT_WORDS = {
    "en": {
        MessageKind.CONFIRMED: "Registration confirmed:",
        MessageKind.WAITLISTED: "Waiting list:",
        MessageKind.PROMOTED: "A seat is yours:",
        MessageKind.CANCELLED: "Registration cancelled:",
        MessageKind.EVENT_CHANGED: "Updated:",
        MessageKind.EVENT_CANCELLED: "Cancelled:",
        MessageKind.REMINDER_24H: "Reminder:",
        MessageKind.REMINDER_1H: "Starting in one hour:",
    },
    "da": {
        MessageKind.CONFIRMED: "Tilmelding bekræftet:",
        MessageKind.WAITLISTED: "Venteliste:",
        MessageKind.PROMOTED: "Du har fået en plads:",
        MessageKind.CANCELLED: "Tilmelding afmeldt:",
        MessageKind.EVENT_CHANGED: "Ændret:",
        MessageKind.EVENT_CANCELLED: "Aflyst:",
        MessageKind.REMINDER_24H: "Påmindelse:",
        MessageKind.REMINDER_1H: "Begynder om en time:",
    },
    "sv": {
        MessageKind.CONFIRMED: "Anmälan bekräftad:",
        MessageKind.WAITLISTED: "Väntelista:",
        MessageKind.PROMOTED: "Du har fått en plats:",
        MessageKind.CANCELLED: "Anmälan avbokad:",
        MessageKind.EVENT_CHANGED: "Ändrat:",
        MessageKind.EVENT_CANCELLED: "Inställt:",
        MessageKind.REMINDER_24H: "Påminnelse:",
        MessageKind.REMINDER_1H: "Börjar om en timme:",
    },
    "de": {
        MessageKind.CONFIRMED: "Anmeldung bestätigt:",
        MessageKind.WAITLISTED: "Warteliste:",
        MessageKind.PROMOTED: "Ihr Platz ist bestätigt:",
        MessageKind.CANCELLED: "Anmeldung storniert:",
        MessageKind.EVENT_CHANGED: "Geändert:",
        MessageKind.EVENT_CANCELLED: "Abgesagt:",
        MessageKind.REMINDER_24H: "Erinnerung:",
        MessageKind.REMINDER_1H: "Beginnt in einer Stunde:",
    },
}
# The greeting every attendee message starts with, and the label of the time.
GREETING = {"en": "Hello Zoë,", "da": "Hej Zoë", "sv": "Hej Zoë!", "de": "Guten Tag Zoë,"}
WHEN_LABEL = {"en": "When:", "da": "Hvornår:", "sv": "När:", "de": "Wann:"}
# A Brussels webinar on Sunday 28 February 2027, 18:00–19:30 (winter: CET) ...
WINTER = WINTER_WEBINAR_TIME
# ... and on Sunday 27 June 2027 (summer: CEST).
SUMMER = {
    "en": "Sun 27 Jun 2027, 18:00–19:30 CEST",
    "da": "søn. 27. jun. 2027 kl. 18.00–19.30 CEST",
    "sv": "sön 27 juni 2027 kl. 18:00–19:30 CEST",
    "de": "So., 27. Juni 2027, 18:00–19:30 CEST",
}
# English words that must not be left in a Danish, Swedish or German message.
ENGLISH = (
    "Hello", "your", "you", "the", "and", "registration", "registered", "confirmed",
    "cancelled", "waiting", "list", "seat", "calendar", "invite", "attached", "reminder",
    "organiser", "event", "page", "When", "Where", "Join", "please", "share", "manage",
    "Manage", "starts", "hour", "soon", "receive", "because", "Questions", "Reply", "private",
    "Keep", "Sun", "Jun", "Updated", "Starting", "Reset", "password",
)  # fmt: skip
ENGLISH_WORD = re.compile(r"\b(?:" + "|".join(ENGLISH) + r")\b")


class _Text(HTMLParser):
    """The text of an HTML body, without tags, attributes or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def english_left(*texts: str) -> list[str]:
    """English words in texts, leaving out the addresses (links, names) they carry."""
    found = []
    for text in texts:
        text = re.sub(r"https?://\S+|\S+@\S+", " ", text)
        found += ENGLISH_WORD.findall(text)
    return found


def _translated_event(make_event, app, *, when: str, slug: str, translations=TITLES) -> Event:
    event = make_event(
        slug=slug,
        title=TITLES["en"],
        summary="Smart specialisation in practice.",
        organiser_name=ORGANISER,
        start_local=local(f"{when} 18:00"),
        end_local=local(f"{when} 19:30"),
        timezone="Europe/Brussels",
    )
    with app.app_context():
        begin_write(db.session)
        for language, title in translations.items():
            if language != "en":
                db.session.add(
                    EventTranslation(
                        event_id=event.id,
                        language=language,
                        title=title,
                        summary=f"{title}: sammendrag",
                        description="",
                    )
                )
        db.session.commit()
    return event


def _queue(app, registration_id: int, kinds) -> None:
    """Queue these kinds for one registration, from an organiser's page in German."""
    with app.app_context(), i18n.language("de"):
        begin_write(db.session)
        registration = db.session.get(Registration, registration_id)
        for kind in kinds:
            messages.queue_for_registration(registration, kind)
        db.session.commit()


def _received(smtp_server, address: str) -> list:
    """The messages received for one address, in order."""
    return [mail for mail in smtp_server.messages if mail.rcpt_tos == [address]]


def _kind_of(subject: str, language: str) -> MessageKind:
    matches = [k for k, words in SUBJECT_WORDS[language].items() if subject.startswith(words)]
    assert len(matches) == 1, subject
    return matches[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_attendee_email_is_in_the_registrations_language(
    app, smtp_server, make_event, language
):
    event = _translated_event(make_event, app, when="2027-02-28", slug="klynge-vinter")
    address = f"zoe.{language}@example.org"
    registration_id, token, _ = register(
        app, event.id, address, first_name="Zoë", last_name="Weiß", language=language
    )
    _queue(app, registration_id, [k for k in KINDS if k != MessageKind.CONFIRMED])
    report = deliver(app)
    assert report.failed == 0

    received = _received(smtp_server, address)
    by_kind = {_kind_of(str(m.message["Subject"]), language): m for m in received}
    assert set(by_kind) == set(KINDS)
    prefix = "" if language == "en" else f"/{language}"
    for kind, mail in by_kind.items():
        message = mail.message
        subject = str(message["Subject"])
        assert subject == f"{SUBJECT_WORDS[language][kind]} {TITLES[language]}"
        assert message["Content-Language"] == language
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert text.startswith(GREETING[language]), (kind, text[:80])
        assert f'<html lang="{language}">' in html
        assert TITLES[language] in text and TITLES[language] in html
        for body in (text, html):
            assert WINTER[language] in body, (kind, body)
            assert "UTC+01:00, Europe/Brussels" in body
            assert f"https://convene.test{prefix}/events/klynge-vinter" in body
        assert f"{WHEN_LABEL[language]} " in text
        if kind not in (MessageKind.CANCELLED, MessageKind.EVENT_CANCELLED):
            for body in (text, html):
                assert f"https://convene.test{prefix}/r/{token}" in body
        if language != "en":
            left = english_left(subject, text, html_text(html))
            assert not left, (kind, left)


def test_a_summer_date_is_cest_in_every_language(app, smtp_server, make_event):
    event = _translated_event(make_event, app, when="2027-06-27", slug="klynge-sommer")
    for language in LANGUAGES:
        register(app, event.id, f"zoe.{language}@example.org", language=language)
    deliver(app)
    for language in LANGUAGES:
        (mail,) = _received(smtp_server, f"zoe.{language}@example.org")
        text = mail.message.get_body(("plain",)).get_content()
        assert SUMMER[language] in text
        assert "UTC+02:00, Europe/Brussels" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_invite_is_in_the_language_and_at_18_cet_in_every_parser(
    app, smtp_server, make_event, language
):
    event = _translated_event(make_event, app, when="2027-02-28", slug="klynge-invitation")
    register(app, event.id, "zoe@example.org", language=language)
    deliver(app)
    (mail,) = smtp_server.messages
    part = next(p for p in mail.message.walk() if p.get_content_type() == "text/calendar")
    data = part.get_payload(decode=True)

    (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == TITLES[language]
    assert vevent["SUMMARY"].params["LANGUAGE"] == language
    assert vevent["DESCRIPTION"].params["LANGUAGE"] == language
    start = vevent.decoded("DTSTART")
    assert (start.hour, start.minute, start.tzname()) == (18, 0, "CET")
    prefix = "" if language == "en" else f"/{language}"
    assert f"https://convene.test{prefix}/events/klynge-invitation" in str(vevent["DESCRIPTION"])
    if language != "en":
        assert not english_left(str(vevent["DESCRIPTION"]), str(vevent["LOCATION"]))

    (parsed,) = vobject_events(data)
    assert parsed.summary.value == TITLES[language]
    assert parsed.summary.params["LANGUAGE"] == [language]
    assert (parsed.dtstart.value.hour, parsed.dtstart.value.tzname()) == (18, "CET")


def test_without_a_translation_the_title_is_in_the_main_language_and_says_so(
    app, smtp_server, make_event
):
    event = _translated_event(
        make_event, app, when="2027-02-28", slug="klynge-kun-engelsk", translations={}
    )
    register(app, event.id, "zoe@example.org", language="da", first_name="Zoë")
    deliver(app)
    (mail,) = smtp_server.messages
    assert str(mail.message["Subject"]) == f"Tilmelding bekræftet: {TITLES['en']}"
    html = mail.message.get_body(("html",)).get_content()
    assert '<html lang="da">' in html
    assert f'<strong lang="en">{TITLES["en"]}</strong>' in html
    text = mail.message.get_body(("plain",)).get_content()
    assert text.startswith("Hej Zoë") and WINTER["da"] in text
    part = next(p for p in mail.message.walk() if p.get_content_type() == "text/calendar")
    (vevent,) = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    assert vevent["SUMMARY"].params["LANGUAGE"] == "en"
    assert vevent["DESCRIPTION"].params["LANGUAGE"] == "da"


def test_an_organisers_change_reaches_each_attendee_in_their_own_language(
    app, client, smtp_server, make_event
):
    event = _translated_event(make_event, app, when="2027-02-28", slug="klynge-aendring")
    for language in LANGUAGES:
        register(app, event.id, f"zoe.{language}@example.org", language=language)
    with app.app_context(), i18n.language("da"):  # the organiser works on a Danish page
        begin_write(db.session)
        messages.queue_for_attendees(db.session.get(Event, event.id), MessageKind.EVENT_CHANGED)
        db.session.commit()
    deliver(app)
    for language in LANGUAGES:
        subjects = [
            str(m.message["Subject"]) for m in _received(smtp_server, f"zoe.{language}@example.org")
        ]
        expected = f"{SUBJECT_WORDS[language][MessageKind.EVENT_CHANGED]} {TITLES[language]}"
        assert expected in subjects


def test_a_large_announcement_is_expanded_in_each_attendees_language(app, smtp_server, make_event):
    app.config["MAIL_INLINE_FANOUT_LIMIT"] = 1
    event = _translated_event(make_event, app, when="2027-02-28", slug="klynge-aflyst")
    for language in ("sv", "de"):
        register(app, event.id, f"zoe.{language}@example.org", language=language)
    with app.app_context():
        begin_write(db.session)
        messages.queue_for_attendees(db.session.get(Event, event.id), MessageKind.EVENT_CANCELLED)
        db.session.commit()
    deliver(app)
    for language in ("sv", "de"):
        subjects = [
            str(m.message["Subject"]) for m in _received(smtp_server, f"zoe.{language}@example.org")
        ]
        expected = f"{SUBJECT_WORDS[language][MessageKind.EVENT_CANCELLED]} {TITLES[language]}"
        assert expected in subjects


@pytest.mark.parametrize(
    ("page", "language", "subject", "words"),
    [
        ("", "en", "Reset your Convene password", "for 2 hours"),
        ("/da", "da", "Nulstil din adgangskode til Convene", "i 2 timer"),
        ("/sv", "sv", "Återställ ditt lösenord till Convene", "i 2 timmar"),
        ("/de", "de", "Setzen Sie Ihr Convene-Passwort zurück", "2 Stunden lang"),
    ],
)
def test_the_password_link_goes_in_the_language_of_the_page_it_was_asked_from(
    app, client, smtp_server, page, language, subject, words
):
    make_organiser(app, "olga@cluster.example", name="Olga")
    response = client.post(
        f"{page}/organiser/password/forgot", data={"email": "olga@cluster.example"}
    )
    assert response.status_code == 302
    deliver(app)
    (mail,) = smtp_server.messages
    assert str(mail.message["Subject"]) == subject
    assert mail.message["Content-Language"] == language
    text = mail.message.get_body(("plain",)).get_content()
    html = mail.message.get_body(("html",)).get_content()
    assert words in text and words in html
    assert f"https://convene.test{page}/organiser/password/reset/" in text
    assert f'<html lang="{language}">' in html
    if language != "en":
        assert not english_left(subject, text, html_text(html))


def test_the_outbox_row_keeps_the_language_it_was_written_in(app, make_event):
    event = _translated_event(make_event, app, when="2027-02-28", slug="klynge-raekke")
    register(app, event.id, "zoe@example.org", language="sv")
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT language, subject FROM outbox_message")).all()
    assert [tuple(r) for r in rows] == [("sv", f"Anmälan bekräftad: {TITLES['sv']}")]
