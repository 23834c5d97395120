"""VEVENTs written as content lines equal, byte for byte, what icalendar writes.

webapp.calendar.ics skips icalendar's component objects for speed; here icalendar builds
the same public VEVENT and the same invite from the same values, for events and people
chosen to hit every escaping, quoting, folding and time-zone rule, and the outputs must
be identical.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Alarm, Calendar, vCalAddress
from icalendar import Event as VEvent

from tests.calendar_support import BASE_URL, sample_event, sample_registration
from tests.conftest import local
from webapp.calendar import contentlines, ics, text
from webapp.events.models import EventFormat, EventKind, EventStatus
from webapp.events.services import public_url
from webapp.registration.models import AttendanceMode, RegistrationStatus

NOW = datetime(2026, 11, 25, 12, 30, 5, tzinfo=UTC)


def icalendar_entry(event, base_url: str, now: datetime) -> bytes:
    """The reference: the public VEVENT built with icalendar's components."""
    cancelled = event.status == EventStatus.CANCELLED
    vevent = VEvent()
    vevent.add("DTSTAMP", now)
    vevent.add("DTSTART", ics._when(event.starts_at, event.timezone))
    vevent.add("DTEND", ics._when(event.ends_at, event.timezone))
    vevent.add("CREATED", event.created_at)
    vevent.add("LAST-MODIFIED", event.updated_at)
    vevent.add("CATEGORIES", [event.kind.value.capitalize()])
    vevent.add("TRANSP", "OPAQUE")
    vevent.add("UID", ics.event_uid(event, base_url))
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("SUMMARY", text.summary(event, cancelled=cancelled))
    vevent.add("DESCRIPTION", text.public_description(event, base_url))
    vevent.add("LOCATION", text.public_location(event))
    vevent.add("URL", public_url(event, base_url))
    vevent.add("CLASS", "PUBLIC")
    return vevent.to_ical()


def icalendar_invite_entry(registration, method: str, manage_url: str, now: datetime) -> bytes:
    """The reference: a personal invite's VEVENT built with icalendar's components."""
    event = registration.event
    cancel = method == "CANCEL"
    vevent = VEvent()
    vevent.add("DTSTAMP", now)
    vevent.add("DTSTART", ics._when(event.starts_at, event.timezone))
    vevent.add("DTEND", ics._when(event.ends_at, event.timezone))
    vevent.add("CREATED", event.created_at)
    vevent.add("LAST-MODIFIED", max(filter(None, (event.updated_at, registration.updated_at))))
    vevent.add("CATEGORIES", [event.kind.value.capitalize()])
    vevent.add("TRANSP", "OPAQUE")
    vevent.add("UID", ics.registration_uid(registration, BASE_URL))
    vevent.add("SEQUENCE", event.sequence + 1 if cancel else event.sequence)
    active = registration.status != RegistrationStatus.CANCELLED and (
        event.status != EventStatus.CANCELLED
    )
    vevent.add("STATUS", "CANCELLED" if cancel or not active else "CONFIRMED")
    vevent.add("SUMMARY", text.one_line(event.title))
    join_url = "" if cancel else text.join_url(registration)
    vevent.add("DESCRIPTION", text.invite_description(registration, BASE_URL, manage_url, cancel))
    vevent.add("LOCATION", text.invite_location(registration, join_url))
    vevent.add("URL", join_url or public_url(event, BASE_URL))
    organiser = vCalAddress(f"mailto:{event.organiser_email or 'no-reply@convene.test'}")
    organiser.params["CN"] = text.param_text(event.organiser_name or "Convene")
    vevent.add("ORGANIZER", organiser)
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["CN"] = text.param_text(registration.full_name or registration.email)
    attendee.params["CUTYPE"] = "INDIVIDUAL"
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    if not cancel:
        attendee.params["PARTSTAT"] = "ACCEPTED"
    attendee.params["RSVP"] = "FALSE"
    vevent.add("ATTENDEE", attendee)
    if not cancel:
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", text.one_line(event.title))
        alarm.add("TRIGGER", -ics.ALARM_BEFORE)
        vevent.add_component(alarm)
    return vevent.to_ical()


LONG_ACCENTED = "Smart specialisation in Malmö, Växjö and Łódź; " * 4
EVENTS = {
    "plain webinar": {},
    "in person with commas and semicolons": {
        "format": EventFormat.IN_PERSON,
        "venue_name": "Maison de l'Europe; hall B, 2nd floor",
        "address": "Rue Belliard 99, 1040",
        "city": "Brussels",
        "country": "BE",
    },
    "accents folded across lines": {"title": LONG_ACCENTED, "summary": LONG_ACCENTED},
    "backslashes at fold points": {"summary": "\\" * 200 + "a\\,b;c"},
    "carets and quotes": {"title": 'Caret ^ and "quotes" ' * 6},
    "line breaks of every kind": {"summary": "one\r\ntwo\nthree\rfour\n\n" * 5},
    "emoji and CJK": {"title": "Cluster summit 🚀 区域创新 " * 5, "summary": "🇪🇺" * 40},
    "cancelled hybrid": {"status": EventStatus.CANCELLED, "format": EventFormat.HYBRID},
    "conference in UTC": {"timezone": "UTC", "kind": EventKind.CONFERENCE},
    "zone icalendar counts as UTC": {"timezone": "Etc/GMT"},
    "New York": {"timezone": "America/New_York", "start_local": local("2027-03-14 01:30")},
    "autumn overlap written in UTC": {
        "timezone": "Europe/Brussels",
        "start_local": local("2027-10-31 02:30"),
        "end_local": local("2027-10-31 04:00"),
    },
    "Kolkata half hour": {"timezone": "Asia/Kolkata", "start_local": local("2027-01-10 09:15")},
    "sequence raised": {"sequence": 7},
}


@pytest.mark.parametrize("overrides", EVENTS.values(), ids=EVENTS.keys())
def test_public_entry_is_what_icalendar_writes(overrides):
    event = sample_event(**overrides)
    entry, tzids = ics.public_entry(event, BASE_URL, NOW)
    assert entry == icalendar_entry(event, BASE_URL, NOW)
    reference = Calendar.from_ical(b"BEGIN:VCALENDAR\r\n" + entry + b"END:VCALENDAR\r\n")
    used = {
        component[name].params["TZID"]
        for component in reference.walk("VEVENT")
        for name in ("DTSTART", "DTEND")
        if "TZID" in component[name].params
    }
    assert tzids == used


PEOPLE = {
    "plain": {},
    "quotes, commas and apostrophes": {"first_name": 'Zoë "Z"', "last_name": "d'Arc, Jr."},
    "caret and semicolon": {"first_name": "A^b", "last_name": "Ó; Briain"},
    "long accented name folded": {"first_name": "Maria-Łucja " * 5, "last_name": "Ñúñez"},
    "in person at a hybrid event": {"attendance_mode": AttendanceMode.IN_PERSON},
    "waitlisted": {"status": RegistrationStatus.WAITLISTED},
}
ORGANISERS = {
    "named organiser": {"organiser_name": 'Ana; "Cluster", Org', "format": EventFormat.HYBRID},
    "no organiser address": {"organiser_email": "", "organiser_name": ""},
    "cancelled event": {"status": EventStatus.CANCELLED, "title": LONG_ACCENTED},
}


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
@pytest.mark.parametrize("person", PEOPLE.values(), ids=PEOPLE.keys())
@pytest.mark.parametrize("organiser", ORGANISERS.values(), ids=ORGANISERS.keys())
def test_invite_is_what_icalendar_writes(method, person, organiser):
    event = sample_event(**organiser)
    registration = sample_registration(event, **person)
    manage_url = BASE_URL + "/r/a-token_with-chars"
    invite = ics.registration_invite(
        registration, method=method, base_url=BASE_URL, manage_url=manage_url, now=NOW
    )
    start = invite.index(b"BEGIN:VEVENT")
    end = invite.index(b"END:VEVENT\r\n") + len(b"END:VEVENT\r\n")
    assert invite[start:end] == icalendar_invite_entry(registration, method, manage_url, NOW)
    assert f"METHOD:{method}".encode() in invite[:start]
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/Brussels" in invite[:start]


@pytest.mark.parametrize("width", range(55, 90))
@pytest.mark.parametrize("filler", ["a", "é", "€", "🚀", "\\", "^", "a\\", "é^", "a;"])
def test_folding_matches_icalendar_at_every_boundary(width, filler):
    value = (filler * width)[:width]
    reference = VEvent()
    reference.add("DESCRIPTION", value)
    written = contentlines.component(
        "VEVENT", {"DESCRIPTION": "DESCRIPTION:" + contentlines.text(value)}
    )
    assert written == reference.to_ical()
    for physical in written.split(b"\r\n"):
        assert len(physical) <= 75
        physical.decode("utf-8")  # never split inside a character


@pytest.mark.parametrize(
    "link", ["https://x.example/a\rATTENDEE:mailto:x", "https://x/\nEND:VEVENT"]
)
def test_a_raw_value_with_a_line_break_is_refused_not_written(link):
    event = sample_event(online_url=link)
    registration = sample_registration(event)
    with pytest.raises(ValueError, match="line break"):
        ics.registration_invite(registration, method="REQUEST", base_url=BASE_URL, manage_url="")
