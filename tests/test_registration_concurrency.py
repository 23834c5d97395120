"""Seat allocation under concurrency: never more confirmed than the capacity, on both databases."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from tests.registration_support import applicant, outbox, registrations
from webapp.events.models import Event, EventFormat
from webapp.extensions import db
from webapp.registration import services
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus

ATTEMPTS = 60
SEATS = 10


def _register_in_own_session(app, event_id: int, index: int, start: threading.Barrier) -> str:
    # Each thread has its own application context, hence its own session and connection.
    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.rollback()  # hold no snapshot while waiting at the barrier
        start.wait()
        result = services.register(event, applicant(f"person{index}@example.org"))
        db.session.commit()
        return result.registration.status.value


def test_concurrent_registrations_never_oversell(app, make_event):
    event = make_event(capacity=SEATS)
    start = threading.Barrier(ATTEMPTS)
    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        futures = [
            pool.submit(_register_in_own_session, app, event.id, i, start) for i in range(ATTEMPTS)
        ]
        statuses = [future.result(timeout=120) for future in futures]  # re-raises any error

    assert statuses.count("confirmed") == SEATS
    assert statuses.count("waitlisted") == ATTEMPTS - SEATS
    stored = registrations(app, event.id)
    assert len(stored) == ATTEMPTS
    assert [status for _, status in stored].count("confirmed") == SEATS
    # The first ten to get the lock got the seats; ids follow the order of the lock.
    assert {status for _, status in stored[:SEATS]} == {"confirmed"}
    with app.app_context():
        waitlisted = db.session.scalars(
            sa.select(Registration)
            .where(Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(Registration.id)
        ).all()
        positions = [services.waitlist_position(r) for r in waitlisted]
    assert positions == list(range(1, ATTEMPTS - SEATS + 1))
    # One message per registration, each of the kind matching its status.
    kinds = sorted(kind for kind, _, _ in outbox(app))
    assert kinds == sorted(["confirmed"] * SEATS + ["waitlisted"] * (ATTEMPTS - SEATS))


def _same_email(app, event_id: int, start: threading.Barrier) -> bool:
    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.rollback()
        start.wait()
        result = services.register(event, applicant("Same.Person@Example.org"))
        db.session.commit()
        return result.created


def test_concurrent_duplicates_create_one_registration(app, make_event):
    event = make_event(capacity=5)
    attempts = 20
    start = threading.Barrier(attempts)
    with ThreadPoolExecutor(max_workers=attempts) as pool:
        created = list(pool.map(lambda _: _same_email(app, event.id, start), range(attempts)))
    assert created.count(True) == 1
    assert registrations(app, event.id) == [("Same.Person@Example.org", "confirmed")]


ROOM_SEATS, ONLINE_SEATS = 6, 9


def _register_mode_in_own_session(app, event_id: int, index: int, start: threading.Barrier):
    mode = AttendanceMode.ONLINE if index % 2 else AttendanceMode.IN_PERSON
    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.rollback()
        start.wait()
        result = services.register(
            event, applicant(f"person{index}@example.org", attendance_mode=mode)
        )
        db.session.commit()
        return mode.value, result.registration.status.value


def test_concurrent_registrations_in_both_modes_never_oversell_either(app, make_event):
    event = make_event(
        format=EventFormat.HYBRID,
        capacity=ROOM_SEATS,
        online_capacity=ONLINE_SEATS,
        city="Brussels",
    )
    attempts = 40
    start = threading.Barrier(attempts)
    with ThreadPoolExecutor(max_workers=attempts) as pool:
        futures = [
            pool.submit(_register_mode_in_own_session, app, event.id, i, start)
            for i in range(attempts)
        ]
        results = [future.result(timeout=120) for future in futures]

    per_mode = {
        mode: [status for m, status in results if m == mode] for mode in ("in_person", "online")
    }
    assert per_mode["in_person"].count("confirmed") == ROOM_SEATS
    assert per_mode["online"].count("confirmed") == ONLINE_SEATS
    assert per_mode["in_person"].count("waitlisted") == attempts // 2 - ROOM_SEATS
    assert per_mode["online"].count("waitlisted") == attempts // 2 - ONLINE_SEATS
    with app.app_context():
        for mode in AttendanceMode:
            waitlisted = db.session.scalars(
                sa.select(Registration)
                .where(
                    Registration.status == RegistrationStatus.WAITLISTED,
                    Registration.attendance_mode == mode,
                )
                .order_by(Registration.id)
            ).all()
            positions = [services.waitlist_position(r) for r in waitlisted]
            assert positions == list(range(1, len(waitlisted) + 1))
