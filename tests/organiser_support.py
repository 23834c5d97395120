"""Helpers shared by the organiser tests: accounts, signing in, registrations in bulk."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from webapp.db import begin_write, now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.organiser import accounts
from webapp.organiser.models import Organiser
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus

PASSWORD = "correct horse battery staple"


def make_organiser(app, email: str, *, admin: bool = False, name: str = "") -> int:
    """Create an organiser with PASSWORD; returns its id."""
    with app.app_context():
        begin_write(db.session)
        organiser = accounts.create_organiser(email, PASSWORD, name=name, is_admin=admin)
        db.session.commit()
        return organiser.id


def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    """POST the sign-in form (CSRF off) and return the response, not following redirects."""
    url = "/organiser/sign-in" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(url, data={"email": email, "password": password})


def csrf_token(client, url: str) -> str:
    """The CSRF token from the form on `url`."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def share_event(app, event_id: int, organiser_id: int) -> None:
    """Make an organiser a co-organiser of an event."""
    with app.app_context():
        begin_write(db.session)
        event = db.session.get(Event, event_id)
        event.co_organisers.append(db.session.get(Organiser, organiser_id))
        db.session.commit()


def add_registrations(app, event_id: int, people: list[dict]) -> list[int]:
    """Insert registrations directly (fast, for lists and exports); returns their ids."""
    base = now_utc() - timedelta(days=3)
    rows = []
    for number, person in enumerate(people):
        email = person.get("email", f"person{number}.{uuid.uuid4().hex[:6]}@example.org")
        values = {
            "event_id": event_id,
            "status": RegistrationStatus.CONFIRMED,
            "first_name": "Ana",
            "last_name": f"Martín {number}",
            "email": email,
            "email_key": email.lower(),
            "organisation": "Cluster Andalucía",
            "role": "",
            "country": "ES",
            "attendance_mode": AttendanceMode.ONLINE,
            "needs": "",
            "consent_at": base,
            "privacy_notice_version": "2026-01",
            "token_salt": uuid.uuid4().hex,
            "manage_token_hash": hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
            "created_at": base + timedelta(minutes=number),
        }
        values.update(person)
        rows.append(values)
    with app.app_context():
        begin_write(db.session)
        for start in range(0, len(rows), 1000):
            db.session.execute(sa.insert(Registration), rows[start : start + 1000])
        db.session.commit()
        return list(
            db.session.scalars(
                sa.select(Registration.id)
                .where(Registration.event_id == event_id)
                .order_by(Registration.id)
            )
        )


def outbox_rows(app, **filters) -> list[tuple]:
    """(kind, recipient, status) of outbox rows matching column filters, in id order."""
    with app.app_context():
        stmt = sa.select(OutboxMessage.kind, OutboxMessage.recipient, OutboxMessage.status)
        for name, value in filters.items():
            stmt = stmt.where(getattr(OutboxMessage, name) == value)
        return [tuple(row) for row in db.session.execute(stmt.order_by(OutboxMessage.id))]


def event_values(app, event_id: int, *names: str) -> tuple:
    """Current column values of an event."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        return tuple(getattr(event, name) for name in names)


def event_form_data(**overrides) -> dict:
    """A valid event form submission (an online webinar); override or drop (value None)
    any field."""
    data = {
        "title": "Smart Regions – Brussels",
        "slug": "",
        "kind": "webinar",
        "format": "online",
        "language": "en",
        "summary": "An online session.",
        "description": "",
        "start_date": "2027-03-10",
        "start_time": "18:00",
        "end_date": "2027-03-10",
        "end_time": "19:30",
        "timezone": "Europe/Brussels",
        "country": "",
        "online_url": "https://meet.example.org/room",
        "capacity": "50",
        "save": "Save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
