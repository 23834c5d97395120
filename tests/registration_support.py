"""Helpers shared by the registration tests: valid form data, applicants, registering."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import TEST_CONFIG
from webapp.db import now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.registration import services
from webapp.registration.forms import form_stamp
from webapp.registration.models import Registration


def issued_stamp(seconds_ago: float = 3, secret_key: str = TEST_CONFIG["SECRET_KEY"]) -> str:
    """The hidden `issued` value of a form handed out `seconds_ago` (a person's pace)."""
    return form_stamp(now_utc() - timedelta(seconds=seconds_ago), secret_key)


def form_data(**overrides) -> dict:
    """A valid registration form submission, its form handed out 3 seconds earlier; override
    or drop (value None) any field."""
    data = {
        "first_name": "Ana",
        "last_name": "Martín",
        "email": "ana@example.org",
        "organisation": "Cluster Andalucía",
        "role": "Project manager",
        "country": "ES",
        "consent": "y",
        "leave_blank": "",
        "issued": issued_stamp(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def applicant(email: str | None = None, **overrides) -> services.Applicant:
    """A valid Applicant with a unique email unless one is given."""
    values = {
        "first_name": "Ana",
        "last_name": "Martín",
        "email": email or f"ana.{uuid.uuid4().hex[:8]}@example.org",
        "privacy_notice_version": "2026-01",
        "organisation": "Cluster Andalucía",
        "country": "ES",
    }
    values.update(overrides)
    return services.Applicant(**values)


def register(app, event_id: int, email: str | None = None, **overrides) -> tuple[int, str, bool]:
    """Register through the service and commit; returns (registration id, token, created)."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        result = services.register(event, applicant(email, **overrides))
        db.session.commit()
        return (
            result.registration.id,
            services.manage_token(result.registration),
            result.created,
        )


def registrations(app, event_id: int) -> list[tuple[str, str]]:
    """(email, status) of the event's registrations, in id order."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Registration.email, Registration.status)
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        )
        return [(email, status.value) for email, status in rows]


def outbox(app) -> list[tuple[str, str, int | None]]:
    """(kind, recipient, registration id) of every queued message, in id order."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                OutboxMessage.kind, OutboxMessage.recipient, OutboxMessage.registration_id
            ).order_by(OutboxMessage.id)
        )
        return [tuple(row) for row in rows]
