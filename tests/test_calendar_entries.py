"""The public VEVENT written as content lines equals, byte for byte, what icalendar writes.

`public_entry` (webapp.calendar.ics) skips icalendar's component objects for speed; here
icalendar builds the same VEVENT from the same values, for events chosen to hit every
escaping, folding and time-zone rule, and the two outputs must be identical.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from icalendar import Event as VEvent

from tests.calendar_support import BASE_URL, sample_event
from tests.conftest import local
from webapp.calendar import contentlines, ics, text
from webapp.events.models import EventFormat, EventKind, EventStatus
from webapp.events.services import public_url

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


@pytest.mark.parametrize("width", range(55, 90))
@pytest.mark.parametrize("filler", ["a", "é", "€", "🚀", "\\", "^", "a\\", "é^", "a;"])
def test_folding_matches_icalendar_at_every_boundary(width, filler):
    value = (filler * width)[:width]
    reference = VEvent()
    reference.add("DESCRIPTION", value)
    folded = contentlines.fold("DESCRIPTION:" + contentlines.text(value))
    assert b"BEGIN:VEVENT\r\n" + folded + b"END:VEVENT\r\n" == reference.to_ical()
    for physical in folded.split(b"\r\n"):
        assert len(physical) <= 75
        physical.decode("utf-8")  # never split inside a character
