"""Reminders: once per registration, at the right UTC instant for events in any zone."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
import sqlalchemy as sa

from tests.conftest import local
from tests.registration_support import register
from webapp.db import begin_write
from webapp.events.models import Event, EventFormat, EventKind, EventStatus
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus


def _event(make_event, zone: str, **values):
    return make_event(
        title=f"Session in {zone}",
        start_local=local("2027-03-10 09:00"),
        end_local=local("2027-03-10 10:30"),
        timezone=zone,
        **values,
    )


@pytest.fixture
def events(app, make_event):
    """09:00 local on 10 March 2027 in three zones: 00:00, 08:00 and 14:00 UTC."""
    tokyo = _event(
        make_event,
        "Asia/Tokyo",
        kind=EventKind.WORKSHOP,
        format=EventFormat.IN_PERSON,
        venue_name="Tokyo Big Sight",
        city="Tokyo",
        country="JP",
        online_url="",
    )
    brussels = _event(make_event, "Europe/Brussels")
    new_york = _event(make_event, "America/New_York")
    for event in (tokyo, brussels, new_york):
        for person in ("a", "b"):
            register(app, event.id, f"{person}@{event.timezone.split('/')[1].lower()}.example")
    return tokyo, brussels, new_york


def _run(runner, now: str) -> list[tuple[str, str]]:
    """Run the command at `now`; returns (kind, recipient) of what it queued."""
    with runner.app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
    result = runner.invoke(args=["mail", "send-reminders", "--now", now])
    assert result.exit_code == 0, result.output
    with runner.app.app_context():
        rows = db.session.execute(
            sa.select(OutboxMessage.kind, OutboxMessage.recipient)
            .where(OutboxMessage.id > before)
            .order_by(OutboxMessage.id)
        )
        return [tuple(row) for row in rows]


def test_reminders_go_out_once_at_the_right_utc_time_in_every_zone(
    app, runner, smtp_server, events
):
    assert _run(runner, "2027-03-08T23:59:00Z") == []
    # Tokyo starts at 00:00 UTC on the 10th: its 24-hour reminder is due from 00:00 on the 9th.
    assert _run(runner, "2027-03-09T00:00:00Z") == [
        ("reminder_24h", "a@tokyo.example"),
        ("reminder_24h", "b@tokyo.example"),
    ]
    assert _run(runner, "2027-03-09T00:05:00Z") == []  # once only
    assert _run(runner, "2027-03-09T07:59:59Z") == []
    assert _run(runner, "2027-03-09T08:00:00+00:00") == [
        ("reminder_24h", "a@brussels.example"),
        ("reminder_24h", "b@brussels.example"),
    ]
    # An hour before the Brussels webinar; New York's 24-hour window is open by now too.
    assert Counter(_run(runner, "2027-03-10T08:00:00+01:00")) == Counter(
        [
            ("reminder_1h", "a@brussels.example"),
            ("reminder_1h", "b@brussels.example"),
            ("reminder_24h", "a@new_york.example"),
            ("reminder_24h", "b@new_york.example"),
        ]
    )
    assert _run(runner, "2027-03-10T09:00:00-05:00") == []  # New York is EST (UTC-5): 14:00Z
    assert _run(runner, "2027-03-10T08:00:00-05:00") == [
        ("reminder_1h", "a@new_york.example"),
        ("reminder_1h", "b@new_york.example"),
    ]
    # The in-person Tokyo workshop never gets a one-hour reminder.
    assert _run(runner, "2027-03-09T23:30:00Z") == []

    reminders = [m for m in smtp_server.messages if "confirmed" not in str(m.message["Subject"])]
    received = Counter((m.rcpt_tos[0], str(m.message["Subject"])) for m in reminders)
    assert len(received) == 10 and set(received.values()) == {1}


def test_reminder_contents(app, runner, smtp_server, events):
    _run(runner, "2027-03-09T00:00:00Z")
    _run(runner, "2027-03-10T07:00:00Z")
    by_kind = {}
    for mail in smtp_server.messages:
        by_kind.setdefault(str(mail.message["Subject"]).split(":")[0], []).append(mail.message)

    tokyo = by_kind["Reminder"][0].get_body(("plain",)).get_content()
    assert "Wed 10 Mar 2027, 09:00–10:30 JST" in tokyo
    assert "Tokyo Big Sight, Tokyo, Japan" in tokyo
    one_hour = by_kind["Starting in one hour"][0]
    for kind in ("plain", "html"):
        body = one_hour.get_body((kind,)).get_content()
        assert "https://convene.test/join/" in body and "secret-room" not in body
    assert "text/calendar" not in [p.get_content_type() for p in one_hour.walk()]


def test_only_confirmed_people_of_published_events_registered_in_time(
    app, runner, smtp_server, events
):
    tokyo = events[0]
    with app.app_context():
        begin_write(db.session)
        db.session.execute(
            sa.update(Registration)
            .where(Registration.email == "a@brussels.example")
            .values(status=RegistrationStatus.WAITLISTED, confirmed_at=None)
        )
        # Confirmed after the 24-hour mark: the confirmation itself was the reminder.
        db.session.execute(
            sa.update(Registration)
            .where(Registration.email == "b@brussels.example")
            .values(confirmed_at=datetime.fromisoformat("2027-03-09T12:00:00+00:00"))
        )
        db.session.execute(
            sa.update(Event).where(Event.id == tokyo.id).values(status=EventStatus.CANCELLED)
        )
        db.session.commit()

    assert _run(runner, "2027-03-09T20:00:00Z") == [
        ("reminder_24h", "a@new_york.example"),
        ("reminder_24h", "b@new_york.example"),
    ]
    assert _run(runner, "2027-03-10T07:30:00Z") == [("reminder_1h", "b@brussels.example")]


def test_now_must_carry_a_utc_offset(app, runner):
    result = runner.invoke(args=["mail", "send-reminders", "--now", "2027-03-09T00:00"])
    assert result.exit_code == 2
    assert "give a UTC offset" in result.output
    result = runner.invoke(args=["mail", "send-reminders", "--now", "tomorrow"])
    assert result.exit_code == 2
    assert "ISO 8601" in result.output


def test_the_one_hour_reminder_goes_to_everyone_who_follows_online_whatever_the_kind(
    app, runner, smtp_server, make_event
):
    online_workshop = _event(make_event, "UTC", kind=EventKind.WORKSHOP, slug="online-workshop")
    hybrid = _event(
        make_event,
        "UTC",
        kind=EventKind.CONFERENCE,
        format=EventFormat.HYBRID,
        venue_name="The Square",
        city="Brussels",
        online_url="https://meet.example.org/hybrid-room",
    )
    # A "webinar" held in a room: nobody follows it online, so no join-link reminder.
    in_person_webinar = _event(
        make_event, "UTC", kind=EventKind.WEBINAR, format=EventFormat.IN_PERSON, online_url=""
    )
    register(app, online_workshop.id, "ws@example.org")
    register(app, hybrid.id, "remote@example.org", attendance_mode=AttendanceMode.ONLINE)
    register(app, hybrid.id, "room@example.org", attendance_mode=AttendanceMode.IN_PERSON)
    register(app, in_person_webinar.id, "seat@example.org")

    assert Counter(_run(runner, "2027-03-10T08:00:00Z")) == Counter(
        [("reminder_1h", "ws@example.org"), ("reminder_1h", "remote@example.org")]
    )
    assert _run(runner, "2027-03-10T08:30:00Z") == []  # once only
    one_hour = [m for m in smtp_server.messages if "one hour" in str(m.message["Subject"])]
    remote = next(m for m in one_hour if m.rcpt_tos == ["remote@example.org"])
    body = remote.message.get_body(("plain",)).get_content()
    assert "https://convene.test/join/" in body and "hybrid-room" not in body


def test_the_24_hour_reminder_still_goes_to_everyone_confirmed(app, runner, make_event):
    hybrid = _event(
        make_event,
        "UTC",
        kind=EventKind.CONFERENCE,
        format=EventFormat.HYBRID,
        venue_name="The Square",
        city="Brussels",
    )
    register(app, hybrid.id, "remote@example.org", attendance_mode=AttendanceMode.ONLINE)
    register(app, hybrid.id, "room@example.org", attendance_mode=AttendanceMode.IN_PERSON)
    assert Counter(_run(runner, "2027-03-09T09:00:00Z")) == Counter(
        [("reminder_24h", "remote@example.org"), ("reminder_24h", "room@example.org")]
    )


def test_a_rescheduled_event_is_reminded_of_its_new_date(app, runner, events):
    _, brussels, _ = events
    assert ("reminder_24h", "a@brussels.example") in _run(runner, "2027-03-09T08:00:00Z")
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, brussels.id).set_schedule(
            local("2027-03-17 09:00"), local("2027-03-17 10:30"), "Europe/Brussels"
        )
        db.session.commit()
    assert _run(runner, "2027-03-16T08:00:00Z") == [
        ("reminder_24h", "a@brussels.example"),
        ("reminder_24h", "b@brussels.example"),
    ]
    assert _run(runner, "2027-03-16T08:05:00Z") == []  # still once per date
