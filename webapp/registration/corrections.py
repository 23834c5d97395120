"""Changes to who someone is rather than to their seat: an attendee correcting their own
details, an organiser correcting them (address included), and registrations an organiser
adds by hand or by import.

Like the rest of the registration rules, every function takes the event's write lock
first and queues its email in the same transaction; nothing here commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from webapp.db import lock_row, now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.mail import messages
from webapp.registration import services
from webapp.registration.availability import event_over, has_free_seat
from webapp.registration.models import (
    AttendanceMode,
    PendingImport,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)
from webapp.registration.services import Applicant, RegistrationError
from webapp.webhooks import services as webhooks


class AddressTaken(RegistrationError):
    """Another active registration of the event already uses this address."""


class AlreadyRegistered(RegistrationError):
    """The person to add is registered already; `registration` is theirs."""

    def __init__(self, registration: Registration):
        super().__init__("This address is already registered for the event.")
        self.registration = registration


class CannotAdd(RegistrationError):
    """The event takes no more registrations at all: cancelled, over, or a draft."""


@dataclass(frozen=True)
class Details:
    """The details a person may correct; the form has validated and trimmed them."""

    first_name: str
    last_name: str
    organisation: str = ""
    role: str = ""
    country: str = ""
    needs: str = ""


def can_correct(registration: Registration, *, now: datetime | None = None) -> bool:
    """Whether details may still change: the registration is active and the event not over."""
    return (
        registration.status != RegistrationStatus.CANCELLED
        and event_over(registration.event, now=now) is None
    )


def update_details(
    registration: Registration, details: Details, *, now: datetime | None = None
) -> Registration:
    """The attendee corrects their details (never the address: that is a new registration)."""
    now = now or now_utc()
    _event, registration = _locked(registration)
    if not can_correct(registration, now=now):
        raise services.InvalidTransition("This registration can no longer be changed.")
    _apply(registration, details, now)
    return registration


def correct_details(
    registration: Registration,
    details: Details,
    *,
    email: str,
    language: str | None = None,
    now: datetime | None = None,
) -> Registration:
    """An organiser corrects someone's details, a mistyped address included.

    The address stays unique among the event's active registrations (AddressTaken); the
    next message, such as a resent confirmation, goes to the new one.
    """
    now = now or now_utc()
    event, registration = _locked(registration)
    key = services.email_key(email)
    if key != registration.email_key:
        other = _active_with_key(event.id, key)
        if other is not None and other.id != registration.id:
            raise AddressTaken("Another registration for this event already uses this address.")
        registration.email, registration.email_key = email.strip(), key
    if language:
        registration.language = language
    _apply(registration, details, now)
    return registration


def add_attendee(
    event: Event,
    applicant: Applicant,
    *,
    send_email: bool = True,
    skip_capacity: bool = False,
    now: datetime | None = None,
) -> Registration:
    """An organiser registers someone: a seat, or the waiting list when the event is full
    unless `skip_capacity`; open or closed registration alike, never for an event that is
    cancelled, over or unpublished. A registered address raises AlreadyRegistered."""
    now = now or now_utc()
    locked = lock_row(db.session, Event, event.id)
    if locked is None or locked.status != EventStatus.PUBLISHED:
        raise CannotAdd("Attendees can be added to published events only.")
    if event_over(locked, now=now) is not None:
        raise CannotAdd("The event is over: no one can be added.")
    key = services.email_key(applicant.email)
    existing = _active_with_key(locked.id, key)
    if existing is not None:
        raise AlreadyRegistered(existing)
    mode = services.attendance_mode_for(locked, applicant)
    seat = skip_capacity or has_free_seat(locked, mode)
    status = RegistrationStatus.CONFIRMED if seat else RegistrationStatus.WAITLISTED
    registration = services.new_registration(locked, applicant, key, status, now)
    # The organiser vouches for the address: no hold waiting for its confirmation.
    registration.hold_expires_at = None
    db.session.add(registration)
    webhooks.registration_event("registration.created", registration)
    if send_email:
        messages.queue_for_registration(registration, services.STATUS_MESSAGES[status])
    else:
        db.session.flush()
    return registration


# Fields of an import row (webapp.registration.imports) that an Applicant takes.
IMPORT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "organisation",
    "role",
    "country",
    "needs",
    "language",
)


# A preview not confirmed within this time is dropped: its file is to be checked again.
IMPORT_KEPT_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Imported:
    """What a confirmed import stored: seats, waiting-list places and rows skipped."""

    confirmed: int = 0
    waitlisted: int = 0
    skipped: int = 0


def keep_import(
    event: Event, rows: list[dict], *, organiser_id: int | None, file_name: str
) -> PendingImport:
    """Keep checked rows until the organiser confirms them (stores no registration).

    Previews older than IMPORT_KEPT_FOR, of any event, are dropped on the way.
    """
    lock_row(db.session, Event, event.id)
    db.session.execute(
        sa.delete(PendingImport).where(PendingImport.created_at < now_utc() - IMPORT_KEPT_FOR)
    )
    pending = PendingImport(
        event_id=event.id,
        organiser_id=organiser_id,
        file_name=file_name[:200],
        rows=json.dumps(rows),
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def confirm_import(
    event: Event,
    pending_id: int,
    *,
    privacy_notice_version: str,
    send_email: bool,
    skip_capacity: bool,
    now: datetime | None = None,
) -> Imported | None:
    """Add every kept row through add_attendee, in the caller's one transaction.

    None when there is no such import for the event or it was confirmed already, so a
    second confirmation adds no one. Someone registered in the meantime is skipped.
    """
    now = now or now_utc()
    lock_row(db.session, Event, event.id)
    pending = lock_row(db.session, PendingImport, pending_id)
    if pending is None or pending.event_id != event.id or pending.confirmed_at is not None:
        return None
    if pending.created_at < now - IMPORT_KEPT_FOR:
        return None
    pending.confirmed_at = now
    added: dict[RegistrationStatus, list[int]] = {
        RegistrationStatus.CONFIRMED: [],
        RegistrationStatus.WAITLISTED: [],
    }
    skipped = 0
    for row in json.loads(pending.rows):
        applicant = _imported_applicant(row, privacy_notice_version)
        try:
            registration = add_attendee(
                event, applicant, send_email=False, skip_capacity=skip_capacity, now=now
            )
        except AlreadyRegistered:
            skipped += 1
        else:
            added[registration.status].append(registration.id)
    if send_email:
        # Rendered together: the event's facts are worked out once per language.
        for status, ids in added.items():
            messages.queue_for_registration_ids(event, services.STATUS_MESSAGES[status], ids)
    return Imported(
        confirmed=len(added[RegistrationStatus.CONFIRMED]),
        waitlisted=len(added[RegistrationStatus.WAITLISTED]),
        skipped=skipped,
    )


def _imported_applicant(row: dict, privacy_notice_version: str) -> Applicant:
    return Applicant(
        **{name: row[name] for name in IMPORT_FIELDS},
        attendance_mode=AttendanceMode(row["attendance_mode"]),
        privacy_notice_version=privacy_notice_version,
        source=RegistrationSource.IMPORT,
    )


def _locked(registration: Registration) -> tuple[Event, Registration]:
    event = lock_row(db.session, Event, registration.event_id)
    fresh = db.session.get(Registration, registration.id, populate_existing=True)
    if event is None or fresh is None:
        raise services.InvalidTransition("This registration no longer exists.")
    return event, fresh


def _active_with_key(event_id: int, key: str) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event_id,
            Registration.email_key == key,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )


def _apply(registration: Registration, details: Details, now: datetime) -> None:
    registration.first_name = details.first_name
    registration.last_name = details.last_name
    registration.organisation = details.organisation
    registration.role = details.role
    registration.country = details.country
    # Needs are asked for catering and access at the venue only.
    in_person = registration.attendance_mode == AttendanceMode.IN_PERSON
    registration.needs = details.needs if in_person else ""
    registration.updated_at = now
