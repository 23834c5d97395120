"""One registration as the data-subject export shows it: every field, answers labelled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from webapp.registration.answers import answers_for
from webapp.registration.models import Registration

# The registration's own columns, exported as they are (instants as ISO 8601 in UTC).
FIELDS = (
    "id",
    "status",
    "first_name",
    "last_name",
    "email",
    "organisation",
    "role",
    "country",
    "attendance_mode",
    "needs",
    "language",
    "source",
    "privacy_notice_version",
    "consent_at",
    "created_at",
    "updated_at",
    "confirmed_at",
    "cancelled_at",
    "email_confirmed_at",
    "hold_expires_at",
    "checked_in_at",
    "first_joined_at",
    "join_count",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # a StrEnum member
        return value.value
    return value


def registration_record(registration: Registration) -> dict[str, Any]:
    """A registration's fields, its event and its answers, JSON-ready."""
    event = registration.event
    record = {name: _plain(getattr(registration, name)) for name in FIELDS}
    record["event"] = {
        "title": event.title,
        "slug": event.slug,
        "start": event.start_local.isoformat(),
        "end": event.end_local.isoformat(),
        "timezone": event.timezone,
        "starts_at": event.starts_at.isoformat(),
    }
    record["answers"] = [
        {"question": answer.label, "answer": answer.value} for answer in answers_for(registration)
    ]
    return record
