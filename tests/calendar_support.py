"""Helpers for the calendar tests: sample models, every kind of file, independent parsers.

- libical (Evolution's and GNOME Calendar's parser, the strictest we know), through
  Debian's GObject bindings and the system Python: it also checks RFC 5545's property
  counts and RFC 5546's rules per METHOD.
- Mozilla's ical.js (Thunderbird's parser), run through node: it has no zone database,
  so every time it reports is computed from the file's own VTIMEZONE.
- vobject: it keeps a process-wide TZID -> tzinfo registry, filled by the first VTIMEZONE
  it meets and falling back to pytz; we empty that registry before every parse so it
  builds the zone from this file's VTIMEZONE (dateutil's tzical), as a client would.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import vobject
import vobject.icalendar
from icalendar import Calendar

import webapp.models  # noqa: F401  (every mapped class, so detached models configure)
from tests.conftest import build_event
from webapp.calendar import ics
from webapp.events.models import Event, EventStatus
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus

ROOT = Path(__file__).resolve().parent.parent
ICALJS = ROOT / ".node" / "node_modules" / "ical.js" / "dist" / "ical.js"
ICALJS_SCRIPT = Path(__file__).with_name("calendar_icaljs.mjs")
LIBICAL_SCRIPT = Path(__file__).with_name("calendar_libical.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # where Debian installs python3-gi
BASE_URL = "https://convene.test"
CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def sample_event(**overrides) -> Event:
    """A detached Event with an id and timestamps, as one loaded from the database."""
    identity = {
        "id": overrides.pop("id", 41),
        "created_at": overrides.pop("created_at", CREATED),
        "updated_at": overrides.pop("updated_at", CREATED),
        "sequence": overrides.pop("sequence", 0),
    }
    event = build_event(**overrides)
    for name, value in identity.items():
        setattr(event, name, value)
    return event


def sample_registration(event: Event, **overrides) -> Registration:
    """A detached confirmed Registration for `event`."""
    values = {
        "id": 7,
        "status": RegistrationStatus.CONFIRMED,
        "first_name": "Ana",
        "last_name": "Ferreira",
        "email": "ana@example.org",
        "attendance_mode": AttendanceMode.ONLINE,
        "updated_at": CREATED,
    }
    values.update(overrides)
    registration = Registration(**values)
    registration.event = event
    return registration


def public_file(event: Event) -> bytes:
    """The event's public .ics file."""
    return ics.event_calendar(ics.public_entry(event, BASE_URL))


def feed_file(events: list[Event], name: str = "Convene events") -> bytes:
    """A feed of these events."""
    return ics.feed_calendar([ics.public_entry(e, BASE_URL) for e in events], name=name)


# What the application passes as a person's join link (webapp.communication.join).
JOIN_URL = f"{BASE_URL}/join/7.personal-join-token"


def invite_file(registration: Registration, method: str = "REQUEST", join_url: str = "") -> bytes:
    """A registration's personal invite, built at NOW, with the person's join link if they
    attend online (or `join_url`)."""
    link = join_url or (JOIN_URL if registration.attends_online else "")
    return ics.registration_invite(
        registration, method=method, base_url=BASE_URL, now=NOW, join_url=link
    )


def all_files(event: Event, registration: Registration | None = None) -> dict[str, bytes]:
    """One file of every kind the application produces for one event (a REQUEST only for
    a registration and event that are not cancelled)."""
    registration = registration or sample_registration(event)
    files = {"event": public_file(event), "feed": feed_file([event])}
    active = (
        registration.status != RegistrationStatus.CANCELLED
        and event.status != EventStatus.CANCELLED
    )
    if active:
        files["request"] = invite_file(registration)
    files["cancel"] = invite_file(registration, "CANCEL")
    return files


def meaning(data: bytes) -> list[tuple]:
    """Every component of a file, in order, with its properties as icalendar parses them:
    (component name, sorted (property, parameters, value re-serialised))."""
    components = []
    for component in Calendar.from_ical(data).walk():
        properties = []
        for name, values in component.items():
            for value in values if isinstance(values, list) else [values]:
                properties.append((name, sorted(value.params.items()), value.to_ical()))
        components.append((component.name, sorted(properties)))
    return components


def libical(*texts: bytes) -> list[dict]:
    """What libical makes of each file: parsed, restrictions met, and its errors."""
    if not Path(SYSTEM_PYTHON).exists():
        pytest.skip(f"{SYSTEM_PYTHON} is absent: libical check skipped")
    result = subprocess.run(
        [SYSTEM_PYTHON, str(LIBICAL_SCRIPT)],
        input=json.dumps([text.decode("utf-8") for text in texts]),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode == 3:
        pytest.skip(f"libical check skipped (install python3-gi gir1.2-ical-3.0): {result.stderr}")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def icaljs(*texts: bytes) -> list[dict]:
    """What ical.js reads from each file: method, zones, and events with UTC times."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: ical.js cross-check skipped")
    if not ICALJS.exists():
        pytest.skip("ical.js is not installed (run `make node-deps`): cross-check skipped")
    result = subprocess.run(
        [node, str(ICALJS_SCRIPT), str(ICALJS)],
        input=json.dumps([text.decode("utf-8") for text in texts]),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def vobject_events(text: bytes) -> list:
    """The VEVENTs as vobject reads them, zones built from this file's VTIMEZONEs only."""
    registry = vobject.icalendar.__dict__["__tzidMap"]
    registry.clear()
    registry["UTC"] = vobject.icalendar.utc
    calendar = vobject.readOne(text.decode("utf-8"))
    return list(calendar.vevent_list)


def z(instant: datetime) -> str:
    """'2027-02-28T17:00:00Z' for an aware datetime."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
