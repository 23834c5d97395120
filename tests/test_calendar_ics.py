"""The pure calendar builders: structure, iTIP rules, UIDs and SEQUENCE, escaping, folding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar

from tests.calendar_support import BASE_URL, icaljs, sample_event, sample_registration
from tests.conftest import local
from webapp.calendar import ics
from webapp.events.models import EventFormat, EventKind, EventStatus
from webapp.registration.models import AttendanceMode, RegistrationStatus

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MANAGE_URL = f"{BASE_URL}/r/manage-token"
REQUIRED = [
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "DESCRIPTION",
    "LOCATION",
    "URL",
    "STATUS",
    "SEQUENCE",
    "LAST-MODIFIED",
    "CATEGORIES",
]
HOSTILE = 'Evil; title, with \\ back\r\nEND:VEVENT\r\nBEGIN:VEVENT\rUID:forged\nATTENDEE:x "q"'
# One-line properties (SUMMARY, LOCATION, names) keep the text on one line.
FLAT = 'Evil; title, with \\ back END:VEVENT BEGIN:VEVENT UID:forged ATTENDEE:x "q"'


def invite(registration, method="REQUEST", **kwargs) -> bytes:
    return ics.registration_invite(
        registration, method=method, base_url=BASE_URL, manage_url=MANAGE_URL, now=NOW, **kwargs
    )


def all_files(event=None) -> dict[str, bytes]:
    """One file of every kind the application produces."""
    event = event or sample_event(start_local=local("2027-02-28 18:00"))
    registration = sample_registration(event)
    return {
        "event": ics.event_calendar(event, base_url=BASE_URL, now=NOW),
        "feed": ics.feed_calendar([event], base_url=BASE_URL, name="Convene events", now=NOW),
        "request": invite(registration),
        "cancel": invite(registration, "CANCEL"),
    }


def vevent(data: bytes):
    (only,) = Calendar.from_ical(data).walk("VEVENT")
    return only


def test_every_vevent_has_the_required_properties_and_a_zoned_start():
    for name, data in all_files().items():
        event = vevent(data)
        missing = [prop for prop in REQUIRED if prop not in event]
        assert not missing, (name, missing)
        assert b"DTSTART;TZID=Europe/Brussels:20270228T180000" in data, name
        assert b"DTEND;TZID=Europe/Brussels:20270228T193000" in data, name
        assert event["CATEGORIES"].cats == ["Webinar"]
        assert "https://convene.test/events/" in str(event["DESCRIPTION"])
        assert Calendar.from_ical(data)["VERSION"] == "2.0"


def test_public_files_are_publish_without_attendee_organizer_or_join_link():
    event = sample_event(format=EventFormat.HYBRID, venue_name="Hall A", city="Ghent")
    for name in ("event", "feed"):
        data = all_files(event)[name]
        calendar = Calendar.from_ical(data)
        assert calendar["METHOD"] == "PUBLISH"
        assert b"ATTENDEE" not in data and b"ORGANIZER" not in data
        assert b"secret-room" not in data, "the join link is private"
        item = vevent(data)
        assert item["UID"] == "event-41@convene.test"
        assert item["STATUS"] == "CONFIRMED"
        assert item["URL"] == f"{BASE_URL}/events/{event.slug}"
        assert item["LOCATION"] == "Hall A, Ghent"


def test_request_invites_the_attendee_with_organizer_and_private_join_link():
    registration = sample_registration(sample_event(start_local=local("2027-02-28 18:00")))
    data = invite(registration)
    calendar = Calendar.from_ical(data)
    item = vevent(data)
    assert calendar["METHOD"] == "REQUEST"
    assert item["UID"] == "registration-7@convene.test"
    assert item["ORGANIZER"] == "mailto:events@cluster.example"
    assert item["ORGANIZER"].params["CN"] == "Cluster Policy Platform"
    attendee = item["ATTENDEE"]
    assert attendee == "mailto:ana@example.org"
    assert attendee.params["CN"] == "Ana Ferreira"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"
    assert item["LOCATION"] == "https://meet.example.org/secret-room"
    assert item["URL"] == "https://meet.example.org/secret-room"
    description = str(item["DESCRIPTION"])
    assert "Join online: https://meet.example.org/secret-room" in description
    assert f"Manage your registration: {MANAGE_URL}" in description
    assert item["STATUS"] == "CONFIRMED"
    (alarm,) = item.walk("VALARM")
    assert alarm["TRIGGER"].dt == -timedelta(minutes=30)


def test_hybrid_invite_puts_the_join_link_where_the_attendee_attends():
    event = sample_event(format=EventFormat.HYBRID, venue_name="Hall A", address="Rue 1")
    at_venue = vevent(invite(sample_registration(event, attendance_mode=AttendanceMode.IN_PERSON)))
    online = vevent(invite(sample_registration(event, attendance_mode=AttendanceMode.ONLINE)))
    assert at_venue["LOCATION"] == "Hall A, Rue 1"
    assert online["LOCATION"] == "https://meet.example.org/secret-room"
    assert "secret-room" not in str(at_venue["DESCRIPTION"]) + str(at_venue["URL"])
    assert "Join online: https://meet.example.org/secret-room" in str(online["DESCRIPTION"])


def test_in_person_invite_has_the_venue_and_no_join_link():
    event = sample_event(
        format=EventFormat.IN_PERSON, venue_name="Hall A", address="Rue 1", country="BE"
    )
    data = invite(sample_registration(event, attendance_mode=AttendanceMode.IN_PERSON))
    assert vevent(data)["LOCATION"] == "Hall A, Rue 1, Belgium"
    assert vevent(data)["URL"] == f"{BASE_URL}/events/{event.slug}"
    assert b"secret-room" not in data


def test_cancel_is_newer_than_the_request_and_marks_the_entry_cancelled():
    event = sample_event(sequence=3)
    registration = sample_registration(event, status=RegistrationStatus.CANCELLED)
    request, cancel = vevent(invite(registration)), vevent(invite(registration, "CANCEL"))
    data = invite(registration, "CANCEL")
    assert Calendar.from_ical(data)["METHOD"] == "CANCEL"
    assert cancel["STATUS"] == "CANCELLED"
    assert cancel["UID"] == request["UID"]
    assert cancel["SEQUENCE"] == 4 > request["SEQUENCE"] == 3
    assert cancel["ATTENDEE"] == "mailto:ana@example.org"
    assert "ORGANIZER" in cancel and "VALARM" not in data.decode()
    assert b"secret-room" not in data
    assert "Your registration has been cancelled." in str(cancel["DESCRIPTION"])


def test_event_cancelled_by_the_organiser():
    event = sample_event(status=EventStatus.CANCELLED, sequence=1)
    public = vevent(ics.event_calendar(event, base_url=BASE_URL, now=NOW))
    assert public["STATUS"] == "CANCELLED"
    assert public["SUMMARY"].startswith("Cancelled: ")
    cancel = vevent(invite(sample_registration(event), "CANCEL"))
    assert cancel["STATUS"] == "CANCELLED" and cancel["SEQUENCE"] == 2
    assert "This event has been cancelled." in str(cancel["DESCRIPTION"])


def test_unknown_method_and_unsaved_registration_are_refused():
    with pytest.raises(ValueError, match="method"):
        invite(sample_registration(sample_event()), "PUBLISH")
    with pytest.raises(ValueError, match="flush"):
        invite(sample_registration(sample_event(), id=None))


def test_uids_are_stable_and_sequence_rises_when_the_organiser_moves_the_event():
    event = sample_event(start_local=local("2027-02-28 18:00"))
    registration = sample_registration(event)
    before = {name: vevent(data) for name, data in all_files(event).items()}
    # What an organiser's edit of time or place does to a published event.
    event.set_schedule(local("2027-03-02 10:00"), local("2027-03-02 12:00"), event.timezone)
    event.sequence += 1
    after = {name: vevent(data) for name, data in all_files(event).items()}
    for name in before:
        assert after[name]["UID"] == before[name]["UID"], name
        assert after[name]["SEQUENCE"] == before[name]["SEQUENCE"] + 1, name
        assert after[name]["DTSTART"].dt.hour == 10, name
    assert before["event"]["UID"] != before["request"]["UID"]
    assert vevent(invite(registration))["UID"] == before["request"]["UID"]


def test_feed_has_name_refresh_interval_and_one_vtimezone_per_zone():
    events = [
        sample_event(id=1, start_local=local("2027-02-28 18:00")),
        sample_event(id=2, start_local=local("2027-06-15 18:00")),
        sample_event(id=3, timezone="Asia/Kolkata", kind=EventKind.SUMMIT),
    ]
    data = ics.feed_calendar(events, base_url=BASE_URL, name="Convene events", now=NOW)
    calendar = Calendar.from_ical(data)
    assert calendar["X-WR-CALNAME"] == "Convene events"
    assert calendar["NAME"] == "Convene events"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in data
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in data
    zones = sorted(str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE"))
    assert zones == ["Asia/Kolkata", "Europe/Brussels"]
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [
        "event-1@convene.test",
        "event-2@convene.test",
        "event-3@convene.test",
    ]


def test_hostile_text_stays_inside_its_property():
    event = sample_event(
        title=HOSTILE,
        summary=HOSTILE,
        format=EventFormat.IN_PERSON,
        venue_name=HOSTILE,
        organiser_name=HOSTILE,
    )
    registration = sample_registration(event, first_name=HOSTILE, last_name="Lee")
    files = all_files(event) | {"request": invite(registration)}
    for name, data in files.items():
        calendar = Calendar.from_ical(data)
        (item,) = calendar.walk("VEVENT")
        assert item["UID"] != "forged", name
        assert str(item["SUMMARY"]) == FLAT, name
        if name != "cancel":  # a cancellation's description does not repeat the summary
            assert HOSTILE.replace("\r\n", "\n").replace("\r", "\n") in str(item["DESCRIPTION"])
        assert str(item["LOCATION"]) == FLAT, name
        for line in data.split(b"\r\n"):
            assert not line.startswith((b"UID:forged", b"ATTENDEE:x")), (name, line)
    request = vevent(files["request"])
    assert request["ATTENDEE"].params["CN"] == FLAT.replace('"', "'") + " Lee"
    assert "\n" not in request["ORGANIZER"].params["CN"]
    (parsed,) = icaljs(files["request"])
    (seen,) = parsed["events"]
    assert seen["uid"] == "registration-7@convene.test"
    assert seen["summary"] == FLAT
    assert len(seen["attendees"]) == 1


def test_lines_end_with_crlf_and_fold_at_75_octets():
    title = "Échange européen sur l’innovation 🚀 " * 6
    event = sample_event(title=title, summary="Ωμέγα; " * 40)
    for name, data in all_files(event).items():
        assert data.endswith(b"\r\n"), name
        lines = data.split(b"\r\n")[:-1]
        assert all(b"\n" not in line and b"\r" not in line for line in lines), name
        assert max(len(line) for line in lines) <= 75, name
        assert any(line.startswith(b" ") for line in lines), f"{name}: expected folded lines"
        assert str(vevent(data)["SUMMARY"]) == title.strip(), name
        data.decode("utf-8")  # folding never splits a multi-byte character


def test_google_and_outlook_links_carry_utc_times_title_place_and_link():
    event = sample_event(
        title="Open innovation & you",
        start_local=local("2027-02-28 18:00"),
        format=EventFormat.IN_PERSON,
        venue_name="Hall A",
        city="Ghent",
    )
    google = urlsplit(ics.google_calendar_url(event, base_url=BASE_URL))
    query = parse_qs(google.query)
    assert google.netloc == "calendar.google.com"
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Open innovation & you"]
    assert query["dates"] == ["20270228T170000Z/20270228T183000Z"]
    assert query["location"] == ["Hall A, Ghent"]
    assert f"{BASE_URL}/events/{event.slug}" in query["details"][0]
    for office365, host in ((False, "outlook.live.com"), (True, "outlook.office.com")):
        outlook = urlsplit(ics.outlook_calendar_url(event, base_url=BASE_URL, office365=office365))
        query = parse_qs(outlook.query)
        assert outlook.netloc == host
        assert query["subject"] == ["Open innovation & you"]
        assert query["startdt"] == ["2027-02-28T17:00:00Z"]
        assert query["enddt"] == ["2027-02-28T18:30:00Z"]
        assert query["location"] == ["Hall A, Ghent"]
        assert f"{BASE_URL}/events/{event.slug}" in query["body"][0]
    online = sample_event(format=EventFormat.ONLINE)
    assert "secret-room" not in ics.google_calendar_url(online, base_url=BASE_URL)
    assert "location=Online" in ics.outlook_calendar_url(online, base_url=BASE_URL)


def test_event_in_utc_needs_no_vtimezone():
    event = sample_event(timezone="UTC", start_local=local("2027-02-28 18:00"))
    data = ics.event_calendar(event, base_url=BASE_URL, now=NOW)
    assert b"DTSTART:20270228T180000Z" in data
    assert b"VTIMEZONE" not in data
