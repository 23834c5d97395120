"""Calendar files in the URL's language: the feed, an event's file, and stored entries.

`/da/calendar.ics` and `/da/events/<slug>.ics` are Danish (names, fixed words, the event's
Danish title, links to the Danish pages), each language with its own stored entries, cache
entries and ETags, so no language ever answers for another. Times stay as the organiser
set them: a Brussels webinar at 18:00 is at 18:00 CET in every language.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from tests.calendar_support import vobject_events
from tests.conftest import local
from tests.i18n_support import LANGUAGES, WEBINAR_TITLES
from tests.registration_support import register
from webapp.calendar import entries
from webapp.calendar.models import CalendarEntry
from webapp.db import begin_write
from webapp.events.models import Event, EventStatus, EventTranslation
from webapp.extensions import db

TITLES = WEBINAR_TITLES
FEED_NAMES = {
    "en": "Convene events",
    "da": "Convene-arrangementer",
    "sv": "Convene-evenemang",
    "de": "Convene-Veranstaltungen",
}
EVENT_PAGE = {
    "en": "Event page: https://convene.test/events/",
    "da": "Arrangementets side: https://convene.test/da/events/",
    "sv": "Evenemangets sida: https://convene.test/sv/events/",
    "de": "Seite der Veranstaltung: https://convene.test/de/events/",
}
ONLINE_NOTE = {
    "en": "Online: the join link is sent to registered attendees.",
    "da": "Online: Deltagerlinket sendes til tilmeldte deltagere.",
    "sv": "Online: Anslutningslänken skickas till anmälda deltagare.",
    "de": "Online: Der Teilnahmelink wird an angemeldete Teilnehmende gesendet.",
}
CANCELLED = {"en": "Cancelled: ", "da": "Aflyst: ", "sv": "Inställt: ", "de": "Abgesagt: "}


def prefix(language: str) -> str:
    return "" if language == "en" else f"/{language}"


def _translated_event(app, make_event, slug: str = "klynge-webinar", **overrides) -> Event:
    event = make_event(
        slug=slug,
        title=TITLES["en"],
        summary="Smart specialisation in practice.",
        start_local=local("2027-02-28 18:00"),
        end_local=local("2027-02-28 19:30"),
        timezone="Europe/Brussels",
        **overrides,
    )
    with app.app_context():
        begin_write(db.session)
        for language in ("da", "sv", "de"):
            db.session.add(
                EventTranslation(
                    event_id=event.id,
                    language=language,
                    title=TITLES[language],
                    summary=f"{TITLES[language]} ({language})",
                    description="",
                )
            )
        db.session.commit()
    return event


def _vevents(response) -> list:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data).walk("VEVENT")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_feed_is_in_the_urls_language(app, client, make_event, language):
    event = _translated_event(app, make_event)
    response = client.get(f"{prefix(language)}/calendar.ics")
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == FEED_NAMES[language]
    assert str(calendar["NAME"]) == FEED_NAMES[language]
    assert calendar["NAME"].params["LANGUAGE"] == language
    (vevent,) = _vevents(response)
    assert str(vevent["SUMMARY"]) == TITLES[language]
    assert vevent["SUMMARY"].params["LANGUAGE"] == language
    description = str(vevent["DESCRIPTION"])
    assert f"{TITLES[language]} ({language})" in description or language == "en"
    assert EVENT_PAGE[language] + event.slug in description
    assert ONLINE_NOTE[language] in description
    assert vevent["DESCRIPTION"].params["LANGUAGE"] == language
    assert str(vevent["URL"]) == f"https://convene.test{prefix(language)}/events/{event.slug}"
    assert str(vevent["UID"]) == f"event-{event.id}@convene.test"  # one entry per event
    start = vevent.decoded("DTSTART")
    assert (start.hour, start.minute, start.tzname()) == (18, 0, "CET")
    (parsed,) = vobject_events(response.data)
    assert parsed.summary.value == TITLES[language]
    assert (parsed.dtstart.value.hour, parsed.dtstart.value.tzname()) == (18, "CET")


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("en", "Convene webinars"),
        ("da", "Convene-webinarer"),
        ("sv", "Convene-webbinarier"),
        ("de", "Convene-Webinare"),
    ],
)
def test_a_feed_of_one_kind_has_its_name_in_the_language(app, client, make_event, language, name):
    _translated_event(app, make_event)
    response = client.get(f"{prefix(language)}/calendar.ics?kind=webinar")
    assert str(Calendar.from_ical(response.data)["X-WR-CALNAME"]) == name
    suffix = "" if language == "en" else f"-{language}"
    assert f'filename="convene-webinars{suffix}.ics"' in response.headers["Content-Disposition"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_event_file_is_in_the_urls_language(app, client, make_event, language):
    event = _translated_event(app, make_event)
    response = client.get(f"{prefix(language)}/events/{event.slug}.ics")
    (vevent,) = _vevents(response)
    assert str(vevent["SUMMARY"]) == TITLES[language]
    assert EVENT_PAGE[language] + event.slug in str(vevent["DESCRIPTION"])
    assert vevent.decoded("DTSTART").tzname() == "CET"


def test_a_cancelled_event_says_so_in_each_language(app, client, make_event):
    event = _translated_event(app, make_event, status=EventStatus.CANCELLED)
    for language in LANGUAGES:
        (vevent,) = _vevents(client.get(f"{prefix(language)}/events/{event.slug}.ics"))
        assert str(vevent["SUMMARY"]) == CANCELLED[language] + TITLES[language]
        assert str(vevent["STATUS"]) == "CANCELLED"


def test_languages_keep_their_own_caches_and_etags(app, client, make_event):
    event = _translated_event(app, make_event)
    urls = [f"{prefix(lang)}/calendar.ics" for lang in LANGUAGES] + [
        f"{prefix(lang)}/events/{event.slug}.ics" for lang in LANGUAGES
    ]
    # One language first, then the others: each still gets its own file.
    for _round in range(2):
        for url in reversed(urls):
            response = client.get(url)
            language = next((lang for lang in LANGUAGES if url.startswith(f"/{lang}/")), "en")
            (vevent,) = _vevents(response)
            assert str(vevent["SUMMARY"]) == TITLES[language], url
    etags = {url: client.get(url).headers["ETag"] for url in urls}
    assert len(set(etags.values())) == len(urls)
    for url, etag in etags.items():
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        for other in urls:
            if (
                other != url
                and other.endswith(".ics")
                and ("calendar" in other) == ("calendar" in url)
            ):
                answer = client.get(other, headers={"If-None-Match": etag})
                assert answer.status_code == 200, (url, other)


def test_every_language_has_a_stored_entry_and_the_feed_serves_it(app, client, make_event):
    event = _translated_event(app, make_event)
    with app.app_context():
        stored = {
            entry.variant: entry
            for entry in db.session.scalars(
                sa.select(CalendarEntry).where(CalendarEntry.event_id == event.id)
            )
        }
        current = entries.version_key(db.session.get(Event, event.id).updated_at)
    assert set(stored) == {entries.variant(lang) for lang in LANGUAGES}
    for language in LANGUAGES:
        entry = stored[entries.variant(language)]
        assert entry.version == current
        assert entry.vevent in client.get(f"{prefix(language)}/calendar.ics").data
        assert TITLES[language].encode() in entry.vevent


def test_a_changed_translation_renews_the_entry_the_feed_and_its_etag(app, client, make_event):
    event = _translated_event(app, make_event)
    before = client.get("/da/calendar.ics")
    english_before = client.get("/calendar.ics").headers["ETag"]
    with app.app_context():
        begin_write(db.session)
        translation = db.session.scalar(
            sa.select(EventTranslation).where(
                EventTranslation.event_id == event.id, EventTranslation.language == "da"
            )
        )
        translation.title = "Webinar om klynger og regioner"
        db.session.commit()
    after = client.get("/da/calendar.ics", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    (vevent,) = _vevents(after)
    assert str(vevent["SUMMARY"]) == "Webinar om klynger og regioner"
    assert client.get("/calendar.ics").headers["ETag"] != english_before
    with app.app_context():
        entry = db.session.get(CalendarEntry, (event.id, entries.variant("da")))
        current = entries.version_key(db.session.get(Event, event.id).updated_at)
        assert entry.version == current
        assert b"Webinar om klynger og regioner" in entry.vevent


def test_an_event_without_a_translation_keeps_its_main_language(app, client, make_event):
    event = make_event(slug="kun-engelsk", title=TITLES["en"])
    (vevent,) = _vevents(client.get(f"/sv/events/{event.slug}.ics"))
    assert str(vevent["SUMMARY"]) == TITLES["en"]
    assert vevent["SUMMARY"].params["LANGUAGE"] == "en"
    assert vevent["DESCRIPTION"].params["LANGUAGE"] == "sv"
    assert EVENT_PAGE["sv"] + event.slug in str(vevent["DESCRIPTION"])


def test_the_personal_invite_is_in_the_registrations_language_on_any_url(app, client, make_event):
    event = _translated_event(app, make_event)
    _, token, _ = register(app, event.id, "zoe@example.org", language="sv")
    for url in (f"/r/{token}/invite.ics", f"/da/r/{token}/invite.ics"):
        (vevent,) = _vevents(client.get(url))
        assert str(vevent["SUMMARY"]) == TITLES["sv"]
        assert vevent["SUMMARY"].params["LANGUAGE"] == "sv"
        assert EVENT_PAGE["sv"] + event.slug in str(vevent["DESCRIPTION"])
        assert "Använd länken i ditt bekräftelsemejl" in str(vevent["DESCRIPTION"])
        start = vevent.decoded("DTSTART")
        assert (start.hour, start.tzname()) == (18, "CET")


def test_the_event_page_links_to_the_calendar_files_in_its_language(app, client, make_event):
    event = _translated_event(app, make_event)
    for language in LANGUAGES:
        html = client.get(f"{prefix(language)}/events/{event.slug}").get_data(as_text=True)
        assert f"https://convene.test{prefix(language)}/events/{event.slug}.ics" in html
    html = client.get("/de/").get_data(as_text=True)
    assert "webcal://convene.test/de/calendar.ics" in html


def test_no_invite_on_the_waiting_list_is_said_in_the_readers_language(app, client, make_event):
    event = _translated_event(app, make_event, capacity=1)
    register(app, event.id, "first@example.org", language="sv")
    _, token, _ = register(app, event.id, "second@example.org", language="sv")
    swedish = client.get(f"/sv/r/{token}/invite.ics")
    assert swedish.status_code == 404
    text = swedish.get_data(as_text=True)
    assert "Det finns ingen kalenderinbjudan medan du står på väntelistan." in text
    english = client.get(f"/r/{token}/invite.ics")
    assert english.status_code == 404
    assert "There is no calendar invite while you are on the waiting list." in english.get_data(
        as_text=True
    )
