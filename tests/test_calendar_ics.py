"""The pure calendar builders: structure, METHOD and iTIP rules, UIDs and SEQUENCE, what each
file may say (no join link in public files, no manage link anywhere), escaping and folding.

Every check reads the files back through parsers (icalendar, vobject, ical.js), never by
comparing bytes with what a library would write.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar

from tests.calendar_support import (
    BASE_URL,
    JOIN_URL,
    NOW,
    all_files,
    feed_file,
    icaljs,
    invite_file,
    public_file,
    sample_event,
    sample_registration,
    vobject_events,
)
from tests.conftest import local
from webapp.calendar import ics, links
from webapp.events.models import EventFormat, EventKind, EventStatus
from webapp.registration.models import AttendanceMode, RegistrationStatus

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
SECRET = "secret-room"  # in the sample events' private join link


def vevent(data: bytes):
    (only,) = Calendar.from_ical(data).walk("VEVENT")
    return only


def test_every_vevent_has_the_required_properties_and_a_zoned_start():
    event = sample_event(start_local=local("2027-02-28 18:00"))
    for name, data in all_files(event).items():
        item = vevent(data)
        missing = [prop for prop in REQUIRED if prop not in item]
        assert not missing, (name, missing)
        assert item["DTSTART"].params["TZID"] == "Europe/Brussels", name
        assert item["DTSTART"].dt.replace(tzinfo=None) == local("2027-02-28 18:00"), name
        assert item["DTEND"].dt.astimezone(UTC) == datetime(2027, 2, 28, 18, 30, tzinfo=UTC)
        assert item["CATEGORIES"].cats == ["Webinar"]
        assert "https://convene.test/events/" in str(item["DESCRIPTION"])
        assert Calendar.from_ical(data)["VERSION"] == "2.0"


def test_public_files_have_no_method_organizer_attendee_or_join_link():
    event = sample_event(format=EventFormat.HYBRID, venue_name="Hall A", city="Ghent")
    files = all_files(event)
    for name in ("event", "feed"):
        calendar = Calendar.from_ical(files[name])
        assert "METHOD" not in calendar, "not an iTIP message: no METHOD"
        item = vevent(files[name])
        assert "ORGANIZER" not in item and "ATTENDEE" not in item
        assert SECRET not in files[name].decode(), "the join link is private"
        assert item["UID"] == "event-41@convene.test"
        assert item["STATUS"] == "CONFIRMED"
        assert item["URL"] == f"{BASE_URL}/events/{event.slug}"
        assert item["LOCATION"] == "Hall A, Ghent"
        # Without METHOD, DTSTAMP is the entry's last revision: the event's.
        assert item["DTSTAMP"].dt == item["LAST-MODIFIED"].dt == event.updated_at
    for method in ("REQUEST", "CANCEL"):
        assert Calendar.from_ical(files[method.lower()])["METHOD"] == method


def test_a_public_entry_is_a_function_of_the_event_version():
    event = sample_event()
    assert ics.public_entry(event, BASE_URL) == ics.public_entry(event, BASE_URL)
    edited = ics.public_entry(event, BASE_URL)
    event.updated_at += timedelta(minutes=5)
    assert vevent(public_file(event))["DTSTAMP"].dt == event.updated_at
    assert ics.public_entry(event, BASE_URL) != edited


def test_request_invites_the_attendee_with_organizer_and_private_join_link():
    registration = sample_registration(sample_event(start_local=local("2027-02-28 18:00")))
    data = invite_file(registration)
    item = vevent(data)
    assert Calendar.from_ical(data)["METHOD"] == "REQUEST"
    assert item["UID"] == "registration-7@convene.test"
    assert item["DTSTAMP"].dt == NOW
    assert item["ORGANIZER"] == "mailto:events@cluster.example"
    assert item["ORGANIZER"].params["CN"] == "Cluster Policy Platform"
    attendee = item["ATTENDEE"]
    assert attendee == "mailto:ana@example.org"
    assert attendee.params["CN"] == "Ana Ferreira"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"
    assert item["LOCATION"] == JOIN_URL
    assert item["URL"] == JOIN_URL
    description = str(item["DESCRIPTION"])
    assert f"Join online: {JOIN_URL}" in description
    assert SECRET not in data.decode(), "attendees get their own link, not the meeting's"
    assert f"Event page: {BASE_URL}/events/{registration.event.slug}" in description
    assert item["STATUS"] == "CONFIRMED"
    (alarm,) = item.walk("VALARM")
    assert alarm["TRIGGER"].dt == -timedelta(minutes=30)


@pytest.mark.parametrize("event_status", [EventStatus.PUBLISHED, EventStatus.CANCELLED])
@pytest.mark.parametrize(
    "registration_status", [RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED]
)
def test_no_calendar_file_carries_the_manage_link(event_status, registration_status):
    """Calendars are shared: the link that cancels a registration stays in the email."""
    event = sample_event(status=event_status)
    registration = sample_registration(event, status=registration_status)
    for name, data in all_files(event, registration).items():
        text = data.decode()
        assert f"{BASE_URL}/r/" not in text, name
        for item in Calendar.from_ical(data).walk("VEVENT"):
            assert "/r/" not in str(item["DESCRIPTION"]) + str(item["URL"]), name
            assert "Manage your registration" not in str(item["DESCRIPTION"]), name


@pytest.mark.parametrize(
    ("event_format", "mode", "online"),
    [
        (EventFormat.ONLINE, AttendanceMode.ONLINE, True),
        (EventFormat.ONLINE, AttendanceMode.IN_PERSON, True),
        (EventFormat.HYBRID, AttendanceMode.ONLINE, True),
        (EventFormat.HYBRID, AttendanceMode.IN_PERSON, False),
        (EventFormat.IN_PERSON, AttendanceMode.ONLINE, False),
    ],
)
def test_the_join_link_goes_to_those_who_attend_online(event_format, mode, online):
    event = sample_event(format=event_format, venue_name="Hall A", address="Rue 1", country="BE")
    registration = sample_registration(event, attendance_mode=mode)
    assert registration.attends_online is online  # the one rule, on the model
    request = vevent(invite_file(registration))
    if online:
        assert request["LOCATION"] == request["URL"] == JOIN_URL
        assert f"Join online: {JOIN_URL}" in str(request["DESCRIPTION"])
    else:
        assert request["LOCATION"] == "Hall A, Rue 1, Belgium"
        assert request["URL"] == f"{BASE_URL}/events/{event.slug}"
        assert SECRET not in invite_file(registration).decode()
    assert SECRET not in invite_file(registration, "CANCEL").decode()


def test_cancel_is_newer_than_the_request_and_marks_the_entry_cancelled():
    event = sample_event(sequence=3)
    request = vevent(invite_file(sample_registration(event)))
    registration = sample_registration(event, status=RegistrationStatus.CANCELLED)
    data = invite_file(registration, "CANCEL")
    cancel = vevent(data)
    assert Calendar.from_ical(data)["METHOD"] == "CANCEL"
    assert cancel["STATUS"] == "CANCELLED"
    assert cancel["UID"] == request["UID"]
    assert cancel["SEQUENCE"] == 4 > request["SEQUENCE"] == 3
    assert cancel["ATTENDEE"] == "mailto:ana@example.org"
    assert "PARTSTAT" not in cancel["ATTENDEE"].params
    assert "ORGANIZER" in cancel and not cancel.walk("VALARM")
    assert "Your registration has been cancelled." in str(cancel["DESCRIPTION"])


def test_event_cancelled_by_the_organiser():
    event = sample_event(status=EventStatus.CANCELLED, sequence=1)
    public = vevent(public_file(event))
    assert public["STATUS"] == "CANCELLED"
    assert public["SUMMARY"].startswith("Cancelled: ")
    assert "This event has been cancelled." in str(public["DESCRIPTION"])
    cancel = vevent(invite_file(sample_registration(event), "CANCEL"))
    assert cancel["STATUS"] == "CANCELLED" and cancel["SEQUENCE"] == 2
    assert "This event has been cancelled." in str(cancel["DESCRIPTION"])


def test_unknown_method_unsaved_registration_and_contradictions_are_refused():
    with pytest.raises(ValueError, match="method"):
        invite_file(sample_registration(sample_event()), "PUBLISH")
    with pytest.raises(ValueError, match="flush"):
        invite_file(sample_registration(sample_event(), id=None))
    cancelled_event = sample_event(status=EventStatus.CANCELLED)
    for registration in (
        sample_registration(sample_event(), status=RegistrationStatus.CANCELLED),
        sample_registration(cancelled_event),
    ):
        with pytest.raises(ValueError, match="not a REQUEST"):
            invite_file(registration)


@pytest.mark.parametrize(
    "link", ["https://x.example/a\rATTENDEE:mailto:x", "https://x/\nEND:VEVENT", "https://x/\x00"]
)
def test_a_raw_value_with_a_line_break_is_refused_not_written(link):
    registration = sample_registration(sample_event())
    with pytest.raises(ValueError, match="line break"):
        invite_file(registration, join_url=link)


def test_uids_are_stable_and_sequence_rises_when_the_organiser_moves_the_event():
    event = sample_event(start_local=local("2027-02-28 18:00"))
    registration = sample_registration(event)
    before = {name: vevent(data) for name, data in all_files(event, registration).items()}
    # What an organiser's edit of time or place does to a published event.
    event.set_schedule(local("2027-03-02 10:00"), local("2027-03-02 12:00"), event.timezone)
    event.sequence += 1
    after = {name: vevent(data) for name, data in all_files(event, registration).items()}
    for name in ("event", "feed", "request"):
        assert after[name]["UID"] == before[name]["UID"], name
        assert after[name]["SEQUENCE"] == before[name]["SEQUENCE"] + 1, name
        assert after[name]["DTSTART"].dt.hour == 10, name
    assert before["event"]["UID"] == before["feed"]["UID"] != before["request"]["UID"]


def test_feed_has_name_refresh_interval_and_one_vtimezone_per_zone():
    events = [
        sample_event(id=1, start_local=local("2027-02-28 18:00")),
        sample_event(id=2, start_local=local("2027-06-15 18:00")),
        sample_event(id=3, timezone="Asia/Kolkata", kind=EventKind.SUMMIT),
    ]
    calendar = Calendar.from_ical(feed_file(events))
    assert calendar["X-WR-CALNAME"] == calendar["NAME"] == "Convene events"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"  # an X- property: read as text
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
    files = all_files(event, registration)
    for name, data in files.items():
        (item,) = Calendar.from_ical(data).walk("VEVENT")
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
    parsed = icaljs(*files.values())
    for name, result in zip(files, parsed, strict=True):
        (seen,) = result["events"]
        assert seen["summary"] == FLAT, name
        assert seen["uid"] != "forged", name
    assert len(parsed[2]["events"][0]["attendees"]) == 1


ESCAPED = 'Comma, semicolon; backslash \\ and "quotes"\nsecond line\r\nthird\rfourth'
PLAIN = 'Comma, semicolon; backslash \\ and "quotes"\nsecond line\nthird\nfourth'


def test_escaped_text_reads_back_the_same_in_every_parser():
    event = sample_event(title="Title, with; specials \\", summary=ESCAPED)
    files = all_files(event)
    title = "Title, with; specials \\"
    for name, data in files.items():
        description = str(vevent(data)["DESCRIPTION"])
        (vobject_event,) = vobject_events(data)
        assert vobject_event.summary.value.endswith(title), name
        if name != "cancel":
            assert PLAIN in description, name
            assert PLAIN in vobject_event.description.value, name
    for name, result in zip(files, icaljs(*files.values()), strict=True):
        (seen,) = result["events"]
        assert seen["summary"].endswith(title), name
        if name != "cancel":
            assert PLAIN in seen["description"], name


def test_long_lines_are_folded_and_non_ascii_text_survives_every_parser():
    title = "Échange européen sur l’innovation à Malmö, Łódź 🚀 区域创新 " * 4
    event = sample_event(title=title, summary="Ωμέγα; " * 40)
    registration = sample_registration(event, first_name="Zoë Åsa", last_name="Ñúñez-Łukasiewicz")
    files = all_files(event, registration)
    for name, data in files.items():
        assert data.endswith(b"\r\n"), name
        lines = data.split(b"\r\n")[:-1]
        assert all(b"\n" not in line and b"\r" not in line for line in lines), name
        assert max(len(line) for line in lines) <= 75, name
        assert any(line.startswith(b" ") for line in lines), f"{name}: expected folded lines"
        data.decode("utf-8")  # strict: folding never splits a multi-byte character
        assert str(vevent(data)["SUMMARY"]).endswith(title.strip()), name
        (vobject_event,) = vobject_events(data)
        assert vobject_event.summary.value.endswith(title.strip()), name
    for name, result in zip(files, icaljs(*files.values()), strict=True):
        assert result["events"][0]["summary"].endswith(title.strip()), name
    attendee = vevent(files["request"])["ATTENDEE"]
    assert attendee.params["CN"] == "Zoë Åsa Ñúñez-Łukasiewicz"


def test_google_and_outlook_links_carry_utc_times_title_place_and_link():
    event = sample_event(
        title="Open innovation & you",
        start_local=local("2027-02-28 18:00"),
        format=EventFormat.IN_PERSON,
        venue_name="Hall A",
        city="Ghent",
    )
    google = urlsplit(links.google_calendar_url(event, base_url=BASE_URL))
    query = parse_qs(google.query)
    assert google.netloc == "calendar.google.com"
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Open innovation & you"]
    assert query["dates"] == ["20270228T170000Z/20270228T183000Z"]
    assert query["location"] == ["Hall A, Ghent"]
    assert f"{BASE_URL}/events/{event.slug}" in query["details"][0]
    for office365, host in ((False, "outlook.live.com"), (True, "outlook.office.com")):
        outlook = urlsplit(
            links.outlook_calendar_url(event, base_url=BASE_URL, office365=office365)
        )
        query = parse_qs(outlook.query)
        assert outlook.netloc == host
        assert query["subject"] == ["Open innovation & you"]
        assert query["startdt"] == ["2027-02-28T17:00:00Z"]
        assert query["enddt"] == ["2027-02-28T18:30:00Z"]
        assert query["location"] == ["Hall A, Ghent"]
        assert f"{BASE_URL}/events/{event.slug}" in query["body"][0]
    online = sample_event(format=EventFormat.ONLINE)
    assert SECRET not in links.google_calendar_url(online, base_url=BASE_URL)
    assert "location=Online" in links.outlook_calendar_url(online, base_url=BASE_URL)


@pytest.mark.parametrize("zone", ["UTC", "Etc/GMT"])
def test_event_in_utc_needs_no_vtimezone(zone):
    event = sample_event(timezone=zone, start_local=local("2027-02-28 18:00"))
    for name, data in all_files(event).items():
        item = vevent(data)
        assert "TZID" not in item["DTSTART"].params, name
        assert item["DTSTART"].dt == datetime(2027, 2, 28, 18, 0, tzinfo=UTC), name
        assert not Calendar.from_ical(data).walk("VTIMEZONE"), name
