"""Organisers' additions under concurrency, on both databases: a preview confirmed twice
at once imports once, and an address never ends up registered twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.registration_support import applicant, outbox, registrations
from webapp.events.models import Event
from webapp.extensions import db
from webapp.registration import corrections, services
from webapp.registration.models import PendingImport

THREADS = 6
ROWS = [
    {
        "first_name": "Person",
        "last_name": f"Number {index}",
        "email": f"person{index}@example.org",
        "email_key": f"person{index}@example.org",
        "organisation": "",
        "role": "",
        "country": "DK",
        "attendance_mode": "online",
        "needs": "",
        "language": "da",
        "row": index + 2,
    }
    for index in range(5)
]


def _keep(app, event_id: int) -> int:
    with app.app_context():
        event = db.session.get(Event, event_id)
        pending = corrections.keep_import(event, ROWS, organiser_id=None, file_name="x.csv")
        db.session.commit()
        return pending.id


def _confirm(app, event_id: int, pending_id: int, start: threading.Barrier) -> bool:
    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.rollback()  # hold no snapshot while waiting at the barrier
        start.wait()
        result = corrections.confirm_import(
            event,
            pending_id,
            privacy_notice_version="2026-01",
            send_email=True,
            skip_capacity=False,
        )
        db.session.commit()
        return result is not None


def test_a_preview_confirmed_at_once_from_several_tabs_imports_once(app, make_event):
    event = make_event(capacity=3)
    pending_id = _keep(app, event.id)
    start = threading.Barrier(THREADS)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(_confirm, app, event.id, pending_id, start) for _ in range(THREADS)]
        imported = [future.result(timeout=120) for future in futures]
    assert imported.count(True) == 1
    stored = registrations(app, event.id)
    assert [status for _, status in stored] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert len(outbox(app)) == 5
    with app.app_context():
        assert db.session.get(PendingImport, pending_id).confirmed_at is not None


def _add_or_register(app, event_id: int, index: int, start: threading.Barrier) -> str:
    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.rollback()
        start.wait()
        person = applicant("ana@example.org")
        if index % 2:
            result = services.register(event, person)
            db.session.commit()
            return "registered" if result.created else "repeat"
        try:
            corrections.add_attendee(event, person)
        except corrections.AlreadyRegistered:
            db.session.rollback()
            return "already"
        db.session.commit()
        return "added"


def test_the_same_address_added_and_registered_at_once_is_stored_once(app, make_event):
    event = make_event()
    start = threading.Barrier(THREADS)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [
            pool.submit(_add_or_register, app, event.id, index, start) for index in range(THREADS)
        ]
        outcomes = [future.result(timeout=120) for future in futures]
    assert outcomes.count("added") + outcomes.count("registered") == 1
    assert registrations(app, event.id) == [("ana@example.org", "confirmed")]
