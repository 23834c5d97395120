"""Whole files: joined from serialised pieces they mean what icalendar's own Calendar would
write, and every kind of file passes the strictest reader we know (libical) and parses in
vobject and ical.js.
"""

from __future__ import annotations

import pytest
from icalendar import Calendar

from tests.calendar_support import (
    BASE_URL,
    all_files,
    feed_file,
    icaljs,
    libical,
    meaning,
    public_file,
    sample_event,
    sample_registration,
    vobject_events,
)
from tests.conftest import local
from webapp.calendar import ics
from webapp.calendar.vtimezone import vtimezone
from webapp.events.models import EventFormat, EventKind, EventStatus
from webapp.registration.models import AttendanceMode, RegistrationStatus

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
    "New York": {"timezone": "America/New_York", "start_local": local("2027-03-14 01:30")},
    "autumn overlap written in UTC": {
        "timezone": "Europe/Brussels",
        "start_local": local("2027-10-31 02:30"),
        "end_local": local("2027-10-31 04:00"),
    },
    "Kolkata half hour": {"timezone": "Asia/Kolkata", "start_local": local("2027-01-10 09:15")},
    "over new year in Sydney": {
        "timezone": "Australia/Sydney",
        "start_local": local("2027-12-30 09:00"),
        "end_local": local("2028-01-02 17:00"),
    },
    "sequence raised": {"sequence": 7},
}
PEOPLE = {
    "plain": {},
    "quotes, commas and apostrophes": {"first_name": 'Zoë "Z"', "last_name": "d'Arc, Jr."},
    "caret and semicolon": {"first_name": "A^b", "last_name": "Ó; Briain"},
    "in person at a hybrid event": {"attendance_mode": AttendanceMode.IN_PERSON},
    "cancelled": {"status": RegistrationStatus.CANCELLED},
}


def sample_events() -> list:
    return [sample_event(id=n, **overrides) for n, overrides in enumerate(EVENTS.values(), 1)]


def reference_calendar(events: list, name: str = "") -> bytes:
    """The same file built entirely by icalendar: one Calendar, its components, to_ical()."""
    calendar = Calendar()
    calendar.add("PRODID", ics.PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if name:
        calendar.add("NAME", name)
        calendar.add("X-WR-CALNAME", name)
        calendar.add("REFRESH-INTERVAL", ics.REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", "PT1H")
    vevents = [ics.public_vevent(event, BASE_URL) for event in events]
    years: dict[str, set[int]] = {}
    for event, vevent in zip(events, vevents, strict=True):
        if any("TZID" in vevent[time].params for time in ("DTSTART", "DTEND")):
            years.setdefault(event.timezone, set()).update(
                (event.start_local.year, event.end_local.year)
            )
    for zone in sorted(years):
        calendar.add_component(vtimezone(zone, min(years[zone]), max(years[zone])))
    for vevent in vevents:
        calendar.add_component(vevent)
    return calendar.to_ical()


def test_a_feed_joined_from_entries_means_what_icalendar_writes_for_it():
    events = sample_events()
    joined = feed_file(events, name="Convene events")
    reference = reference_calendar(events, name="Convene events")
    assert meaning(joined) == meaning(reference)
    zones = [str(z["TZID"]) for z in Calendar.from_ical(joined).walk("VTIMEZONE")]
    assert zones == ["America/New_York", "Asia/Kolkata", "Australia/Sydney", "Europe/Brussels"]


@pytest.mark.parametrize("overrides", EVENTS.values(), ids=EVENTS.keys())
def test_an_event_file_means_what_icalendar_writes_for_it(overrides):
    event = sample_event(**overrides)
    assert meaning(public_file(event)) == meaning(reference_calendar([event]))


def test_the_comparison_by_meaning_sees_a_difference():
    """Proof that the comparison above can fail."""
    event = sample_event()
    other = sample_event(title="Another title")
    assert meaning(public_file(event)) != meaning(reference_calendar([other]))
    assert meaning(public_file(event)) != meaning(reference_calendar([event], name="Named"))


def every_file() -> dict[str, bytes]:
    """Each kind of file for each sample event and person, and one feed of every event."""
    files = {}
    for label, overrides in EVENTS.items():
        for kind, data in all_files(sample_event(**overrides)).items():
            files[f"{label}: {kind}"] = data
    for label, person in PEOPLE.items():
        event = sample_event(format=EventFormat.HYBRID, organiser_name='Ana; "Cluster", Org')
        registration = sample_registration(event, **person)
        for kind, data in all_files(event, registration).items():
            if kind in ("request", "cancel"):
                files[f"{label}: {kind}"] = data
    no_address = sample_event(organiser_email="", organiser_name="")
    files["no organiser address: request"] = all_files(no_address)["request"]
    files["feed of every event"] = feed_file(sample_events())
    return files


def test_every_file_is_valid_for_libical():
    files = every_file()
    for name, result in zip(files, libical(*files.values()), strict=True):
        assert result == {"parsed": True, "restrictions_met": True, "errors": []}, name


def test_libical_rejects_what_the_strictest_readers_reject():
    """Proof that the check above can fail: each broken file is made with icalendar."""
    publish = Calendar.from_ical(public_file(sample_event()))
    publish.add("METHOD", "PUBLISH")  # RFC 5546 3.2.1: a PUBLISH needs ORGANIZER
    twice = Calendar.from_ical(public_file(sample_event()))
    twice.walk("VEVENT")[0].add("UID", "second-uid@convene.test")
    results = libical(publish.to_ical(), twice.to_ical(), b"BEGIN:VEVENT\r\nEND:VEVENT\r\n")
    assert not results[0]["restrictions_met"]
    assert any("ORGANIZER" in error for error in results[0]["errors"])
    assert any("UID" in error for error in results[1]["errors"])
    assert not results[2]["parsed"]


def test_every_file_parses_in_vobject_and_icaljs_with_its_uid_and_status():
    files = every_file()
    parsed = icaljs(*files.values())
    for (name, data), seen in zip(files.items(), parsed, strict=True):
        expected = {
            (str(e["UID"]), str(e["STATUS"]), int(e["SEQUENCE"]))
            for e in Calendar.from_ical(data).walk("VEVENT")
        }
        in_vobject = {
            (e.uid.value, e.status.value, int(e.sequence.value)) for e in vobject_events(data)
        }
        in_icaljs = {(e["uid"], e["status"], e["sequence"]) for e in seen["events"]}
        assert expected == in_vobject == in_icaljs, name
        method = Calendar.from_ical(data).get("METHOD")
        assert seen["method"] == (str(method) if method else None), name
