"""What a delivery says: the event and, for registration events, the registration."""

from __future__ import annotations

from flask import current_app

from webapp.events.models import Event
from webapp.events.services import public_url
from webapp.registration.models import Registration


def _instant(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def event_data(event: Event) -> dict:
    """The event as webhook receivers see it: wall times with their zone, and UTC."""
    return {
        "id": event.id,
        "slug": event.slug,
        "title": event.title,
        "status": event.status.value,
        # Date to be announced: the times below no longer hold until a new date is given.
        "postponed": event.postponed_at is not None,
        "timezone": event.timezone,
        "start_local": event.start_local.isoformat(),
        "end_local": event.end_local.isoformat(),
        "starts_at": _instant(event.starts_at),
        "ends_at": _instant(event.ends_at),
        "url": public_url(event, current_app.config["CONVENE_BASE_URL"]),
    }


def registration_data(registration: Registration) -> dict:
    """The registration's state and the person's details (personal data: see retention)."""
    return {
        "id": registration.id,
        "status": registration.status.value,
        "attendance_mode": registration.attendance_mode.value,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "organisation": registration.organisation,
        "country": registration.country,
        "language": registration.language,
        "created_at": _instant(registration.created_at),
        "updated_at": _instant(registration.updated_at),
        "checked_in_at": _instant(registration.checked_in_at),
    }
