"""Promotion from the waiting list stops WAITLIST_PROMOTION_CUTOFF minutes before the start
(measured in real time, across a daylight saving change); an organiser's click still works."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import ORGANISER_EMAIL, local
from tests.organiser_support import sign_in
from tests.registration_support import register
from webapp.db import begin_write
from webapp.events.models import EventFormat
from webapp.extensions import db
from webapp.registration import holds, services
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus

# Brussels moves its clocks from 02:00 to 03:00 on 28 March 2027: 03:30 CEST is 01:30 UTC,
# and two hours before it is 23:30 UTC, 00:30 CET on the local clock (not 01:30).
START = local("2027-03-28 03:30")
CUTOFF = datetime(2027, 3, 27, 23, 30, tzinfo=UTC)


@pytest.fixture
def full_event(make_event):
    def make(**overrides):
        event = make_event(
            capacity=1,
            start_local=START,
            end_local=START + timedelta(hours=2),
            timezone="Europe/Brussels",
            **overrides,
        )
        return event

    return make


def _status(app, registration_id: int) -> RegistrationStatus:
    with app.app_context():
        return db.session.get(Registration, registration_id).status


def _cancel(app, registration_id: int, now: datetime) -> Registration | None:
    with app.app_context():
        begin_write(db.session)
        promoted = services.cancel(db.session.get(Registration, registration_id), now=now)
        db.session.commit()
        return promoted


@pytest.mark.parametrize(
    ("now", "promoted"),
    [(CUTOFF - timedelta(minutes=1), True), (CUTOFF, False), (CUTOFF + timedelta(hours=1), False)],
)
def test_a_cancellation_promotes_only_before_the_cutoff(app, full_event, now, promoted):
    event = full_event()
    seat = register(app, event.id)[0]
    waiter = register(app, event.id)[0]
    assert (_cancel(app, seat, now) is not None) is promoted
    expected = RegistrationStatus.CONFIRMED if promoted else RegistrationStatus.WAITLISTED
    assert _status(app, waiter) == expected


@pytest.fixture
def no_cutoff(app_config):
    app_config["WAITLIST_PROMOTION_CUTOFF"] = 0


def test_the_cutoff_is_configurable(no_cutoff, app, full_event):
    event = full_event()
    seat, waiter = register(app, event.id)[0], register(app, event.id)[0]
    _cancel(app, seat, CUTOFF + timedelta(hours=1))  # 30 minutes before the start
    assert _status(app, waiter) == RegistrationStatus.CONFIRMED


def test_raised_capacity_and_expired_holds_promote_nobody_after_the_cutoff(app, full_event):
    event = full_event(requires_email_confirmation=True, hold_minutes=30)
    held = register(app, event.id)[0]
    waiter = register(app, event.id)[0]
    with app.app_context():
        begin_write(db.session)
        holds.confirm_email(db.session.get(Registration, waiter))
        db.session.commit()
        assert holds.expire_holds(now=CUTOFF + timedelta(minutes=5)) == 1
        db.session.commit()
        begin_write(db.session)
        event_row = db.session.get(Registration, waiter).event
        event_row.capacity = 10
        db.session.commit()
        assert services.fill_from_waitlist(event_row, now=CUTOFF + timedelta(minutes=5)) == []
        db.session.commit()
    assert _status(app, held) == RegistrationStatus.CANCELLED
    assert _status(app, waiter) == RegistrationStatus.WAITLISTED


def test_the_organiser_sees_who_was_not_promoted_and_may_still_promote(
    app, client, clock, event_with_attendees
):
    event, _ = event_with_attendees(
        capacity=1,
        start_local=START,
        end_local=START + timedelta(hours=2),
        timezone="Europe/Brussels",
    )
    seat = register(app, event.id)[0]
    waiter = register(app, event.id, "waiting@example.org")[0]
    clock.move_to(CUTOFF + timedelta(minutes=15))
    _cancel(app, seat, CUTOFF + timedelta(minutes=15))
    sign_in(client, ORGANISER_EMAIL)  # months later: a new session

    attendees = client.get(f"/organiser/events/{event.id}/attendees").text
    assert "Not promoted: the waiting list closed at" in attendees
    assert "00:30 CET" in attendees  # the local wall time across the clock change
    overview = client.get(f"/organiser/events/{event.id}").text
    assert "1 person was not promoted" in overview

    response = client.post(f"/organiser/events/{event.id}/attendees/{waiter}/promote")
    assert response.status_code in (302, 303)
    assert _status(app, waiter) == RegistrationStatus.CONFIRMED


def test_before_the_cutoff_the_organiser_sees_no_such_note(app, client, event_with_attendees):
    event, _ = event_with_attendees(capacity=1)
    register(app, event.id)
    register(app, event.id)
    assert "Not promoted" not in client.get(f"/organiser/events/{event.id}/attendees").text
    assert "not promoted" not in client.get(f"/organiser/events/{event.id}").text


def test_after_the_cutoff_a_newcomer_does_not_overtake_those_waiting(
    app, client, clock, full_event
):
    event = full_event()
    seat = register(app, event.id)[0]
    waiter = register(app, event.id)[0]
    clock.move_to(CUTOFF + timedelta(minutes=10))
    _cancel(app, seat, CUTOFF + timedelta(minutes=10))  # a seat is free; nobody is promoted

    page = client.get(f"/events/{event.slug}").text
    assert "1 seat left" not in page and "Join the waiting list" in page
    newcomer = register(app, event.id)[0]

    assert _status(app, newcomer) == RegistrationStatus.WAITLISTED
    assert _status(app, waiter) == RegistrationStatus.WAITLISTED


def test_after_the_cutoff_nobody_moves_to_a_mode_whose_seat_is_owed(app, client, clock, make_event):
    event = make_event(
        format=EventFormat.HYBRID,
        capacity=1,
        online_capacity=1,
        start_local=START,
        end_local=START + timedelta(hours=2),
        timezone="Europe/Brussels",
    )
    online_seat = register(app, event.id, attendance_mode=AttendanceMode.ONLINE)[0]
    register(app, event.id, attendance_mode=AttendanceMode.ONLINE)  # waits online
    _room, token, _ = register(app, event.id, attendance_mode=AttendanceMode.IN_PERSON)
    clock.move_to(CUTOFF + timedelta(minutes=10))
    _cancel(app, online_seat, CUTOFF + timedelta(minutes=10))

    assert "Attend online instead" not in client.get(f"/r/{token}").text
    assert client.post(f"/r/{token}/mode").status_code == 409
