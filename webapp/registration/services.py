"""Registration rules: availability, seat allocation, waiting list, cancellation, check-in.

Every function that changes state takes the event's write lock first (db.lock_row:
BEGIN IMMEDIATE on SQLite, SELECT ... FOR UPDATE on the event row on PostgreSQL), so seat
counts read under the lock stay true until the caller commits. Messages are queued in the
same transaction; nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from webapp.communication import notifications
from webapp.db import begin_write, lock_row, now_utc
from webapp.events.models import Event, EventFormat, EventStatus
from webapp.extensions import db
from webapp.mail import messages
from webapp.mail.messages import MessageKind
from webapp.mail.models import OutboxMessage
from webapp.registration.answers import Answer, store_answers
from webapp.registration.availability import Availability as Availability  # re-exported
from webapp.registration.availability import RegistrationState as RegistrationState
from webapp.registration.availability import availability as availability
from webapp.registration.availability import (
    event_modes,
    has_free_seat,
    registration_state,
    same_pool,
    waitlist_closed,
)
from webapp.registration.availability import status_counts as status_counts
from webapp.registration.availability import waitlist_position as waitlist_position
from webapp.registration.models import (
    AttendanceMode,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)
from webapp.registration.tokens import assign_token
from webapp.registration.tokens import find_by_token as find_by_token  # re-exported
from webapp.registration.tokens import manage_token as manage_token  # re-exported
from webapp.webhooks import services as webhooks


class RegistrationError(Exception):
    """A registration rule refused the change; the message is fit to show an organiser."""


class RegistrationUnavailable(RegistrationError):
    """The event does not accept registrations now; `state` says why."""

    def __init__(self, state: RegistrationState):
        super().__init__(f"Registration is not possible: {state.value}.")
        self.state = state


class QuestionsChanged(RegistrationError):
    """An answer names a question or option the organiser removed since the form was sent."""


class EventFull(RegistrationError):
    """No seat is free for a promotion."""


class InvalidTransition(RegistrationError):
    """The registration is not in a status that allows this action."""


@dataclass(frozen=True)
class Applicant:
    """What a person submits to register; already validated and trimmed by the form."""

    first_name: str
    last_name: str
    email: str
    privacy_notice_version: str  # the notice they consented to; consent time is `now`
    organisation: str = ""
    role: str = ""
    country: str = ""
    attendance_mode: AttendanceMode | None = None  # only meaningful for hybrid events
    needs: str = ""
    language: str = "en"  # the page's language: every later email and invite uses it
    answers: tuple[Answer, ...] = ()  # to the event's questions that applied (questions.py)
    source: RegistrationSource = RegistrationSource.FORM


@dataclass(frozen=True)
class Registered:
    """The outcome of register(): the (possibly existing) registration and whether it is new."""

    registration: Registration
    created: bool


STATUS_MESSAGES = {
    RegistrationStatus.CONFIRMED: MessageKind.CONFIRMED,
    RegistrationStatus.WAITLISTED: MessageKind.WAITLISTED,
    RegistrationStatus.CANCELLED: MessageKind.CANCELLED,
}
# A repeated registration re-sends its email at most once per window, so the public form
# cannot be used to flood someone's inbox.
REPEAT_EMAIL_WINDOW_SECONDS = 15 * 60


def email_key(email: str) -> str:
    """The duplicate-detection key: the (already normalised) email, trimmed and lower-cased."""
    return email.strip().lower()


def register(event: Event, applicant: Applicant, *, now: datetime | None = None) -> Registered:
    """Confirm a seat or join the waiting list, and queue the matching email (no commit).

    A repeated registration (same email, still active) creates nothing and re-queues the
    existing registration's email, so the person gets their manage link again.
    """
    now = now or now_utc()
    if not applicant.privacy_notice_version:
        raise RegistrationError("Consent to the privacy notice is required.")
    locked = lock_row(db.session, Event, event.id)
    if locked is None:
        raise RegistrationUnavailable(RegistrationState.UNAVAILABLE)
    if locked.requires_email_confirmation:
        # A hold that has passed is released now, not at the job's next round: its seat is
        # free again, and its person may register anew at once.
        release_passed_holds(locked, now)
    mode = attendance_mode_for(locked, applicant)
    state, free = registration_state(locked, mode=mode, now=now)
    if not state.accepts_registrations:
        raise RegistrationUnavailable(state)
    key = email_key(applicant.email)
    has_seat = free is None or free > 0
    status = RegistrationStatus.CONFIRMED if has_seat else RegistrationStatus.WAITLISTED
    registration = new_registration(locked, applicant, key, status, now)
    try:
        # The unique index on active (event, email) finds a repeat: in a savepoint, so the
        # refused insert keeps our lock and transaction. A repeat is rare; a look-up first
        # would cost every registration a query under the lock.
        with db.session.begin_nested():
            db.session.add(registration)
    except sa.exc.IntegrityError:
        existing = _active_registration(locked.id, key)
        if existing is None:
            raise
        return _repeat(existing, now)
    if applicant.answers:
        try:
            # In a savepoint, so a removed option surfaces here and not at the caller's commit.
            with db.session.begin_nested():
                store_answers(registration.id, applicant.answers)
        except sa.exc.IntegrityError:
            raise QuestionsChanged("The event's questions changed.") from None
    webhooks.registration_event("registration.created", registration)
    messages.queue_for_registration(registration, status_message(registration))
    if not registration.is_held:  # a held place is told to organisers once it is confirmed
        notifications.queue_notices(registration, MessageKind.NEW_REGISTRATION_NOTICE)
    return Registered(registration=registration, created=True)


def held_until_before(now: datetime) -> sa.ColumnElement[bool]:
    """Active registrations whose email-confirmation hold has passed."""
    return sa.and_(
        Registration.hold_expires_at <= now,
        Registration.status != RegistrationStatus.CANCELLED,
    )


def release_passed_holds(event: Event, now: datetime) -> list[Registration]:
    """Cancel the event's passed holds, then fill the seats they freed; the caller holds the
    event's lock, and the rows are re-read under it, so nothing is released twice."""
    passed = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == event.id, held_until_before(now))
        .order_by(Registration.id)
        .execution_options(populate_existing=True)
    ).all()
    freed = []
    for registration in passed:
        if registration.status == RegistrationStatus.CONFIRMED:
            freed.append(registration.attendance_mode)
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.updated_at = now
        messages.queue_for_registration(registration, MessageKind.HOLD_EXPIRED)
        webhooks.registration_event("registration.cancelled", registration)
    for mode in freed:
        promote_first(event, mode, now)
    return list(passed)


def status_message(registration: Registration) -> MessageKind:
    """The email that tells a person where they stand: the confirm-your-address email while
    their place is held, else the one of their status."""
    if registration.is_held:
        return MessageKind.CONFIRM_EMAIL
    return STATUS_MESSAGES[registration.status]


def _active_registration(event_id: int, key: str) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event_id,
            Registration.email_key == key,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )


def _repeat(existing: Registration, now: datetime) -> Registered:
    window = int(now.timestamp()) // REPEAT_EMAIL_WINDOW_SECONDS
    dedupe_key = f"repeat:{existing.id}:{window}"
    already = db.session.scalar(
        sa.select(sa.exists().where(OutboxMessage.dedupe_key == dedupe_key))
    )
    if not already:
        messages.queue_for_registration(existing, status_message(existing), dedupe_key=dedupe_key)
    return Registered(registration=existing, created=False)


def attendance_mode_for(event: Event, applicant: Applicant) -> AttendanceMode:
    """The mode whose seats the applicant competes for: the event's, or their choice."""
    if event.format == EventFormat.ONLINE:
        return AttendanceMode.ONLINE
    if event.format == EventFormat.IN_PERSON:
        return AttendanceMode.IN_PERSON
    return applicant.attendance_mode or AttendanceMode.IN_PERSON


def new_registration(
    event: Event, applicant: Applicant, key: str, status: RegistrationStatus, now: datetime
) -> Registration:
    """The row of a new registration (not added): register() and organisers' additions."""
    mode = attendance_mode_for(event, applicant)
    registration = Registration(
        event=event,
        status=status,
        first_name=applicant.first_name,
        last_name=applicant.last_name,
        email=applicant.email.strip(),
        email_key=key,
        organisation=applicant.organisation,
        role=applicant.role,
        country=applicant.country,
        attendance_mode=mode,
        # Needs are asked for catering and access at the venue only.
        needs=applicant.needs if mode == AttendanceMode.IN_PERSON else "",
        consent_at=now,
        privacy_notice_version=applicant.privacy_notice_version,
        language=applicant.language,
        source=applicant.source,
        created_at=now,
        updated_at=now,
        confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
        # The place is taken now, in submission order, and held until the address is
        # confirmed (webapp/registration/holds.py).
        hold_expires_at=now + timedelta(minutes=event.hold_minutes)
        if event.requires_email_confirmation
        else None,
    )
    assign_token(registration)
    return registration


def _locked(registration: Registration) -> tuple[Event, Registration]:
    """Take the event's write lock, then re-read the registration under it."""
    registration_id, event_id = registration.id, registration.event_id
    event = lock_row(db.session, Event, event_id)
    fresh = db.session.get(Registration, registration_id, populate_existing=True)
    if event is None or fresh is None:
        raise InvalidTransition("This registration no longer exists.")
    return event, fresh


def can_cancel(registration: Registration, *, now: datetime | None = None) -> bool:
    """Whether the attendee may still cancel themselves: active, and the event not started."""
    now = now or now_utc()
    event = registration.event
    return (
        registration.status != RegistrationStatus.CANCELLED
        and event.status == EventStatus.PUBLISHED
        and now < event.starts_at
    )


def cancel(
    registration: Registration, *, now: datetime | None = None, by_organiser: bool = False
) -> Registration | None:
    """Cancel and queue the email; a freed seat goes to the first waitlisted, who is returned.

    Cancelling an already cancelled registration changes and sends nothing. The organisers'
    notice says whether the person cancelled or an organiser did (`by_organiser`).
    """
    now = now or now_utc()
    event, registration = _locked(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        return None
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    was_announced = not registration.is_held  # organisers never heard of a held place
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.updated_at = now
    registration.hold_expires_at = None  # cancelled by the person, not an expired hold
    messages.queue_for_registration(registration, MessageKind.CANCELLED)
    webhooks.registration_event("registration.cancelled", registration)
    if was_announced:
        notifications.queue_notices(
            registration, MessageKind.CANCELLATION_NOTICE, by_organiser=by_organiser
        )
    return promote_first(event, registration.attendance_mode, now) if was_confirmed else None


def cancel_by_organiser(registration: Registration) -> Registration | None:
    """An organiser cancels someone's registration: as cancel(), said so in the notice."""
    return cancel(registration, by_organiser=True)


def promote(registration: Registration, *, now: datetime | None = None) -> Registration:
    """An organiser confirms a waitlisted registration, if a seat is free.

    Like pretix, we never oversell on an organiser's click: with the event full this raises
    EventFull, and the organiser raises the capacity first if they mean to add a seat.
    """
    now = now or now_utc()
    event, registration = _locked(registration)
    if registration.status != RegistrationStatus.WAITLISTED:
        raise InvalidTransition("Only a registration on the waiting list can be promoted.")
    if event.status == EventStatus.CANCELLED:
        raise InvalidTransition("The event has been cancelled.")
    if not has_free_seat(event, registration.attendance_mode):
        raise EventFull("The event is full: raise its capacity to promote someone.")
    _confirm(registration, now)
    return registration


def promote_next(
    event: Event,
    mode: AttendanceMode = AttendanceMode.IN_PERSON,
    *,
    now: datetime | None = None,
) -> Registration | None:
    """Give a free seat of `mode` to the first on its waiting list; returns them, or None."""
    now = now or now_utc()
    locked = lock_row(db.session, Event, event.id)
    return promote_first(locked, mode, now) if locked is not None else None


def fill_from_waitlist(event: Event, *, now: datetime | None = None) -> list[Registration]:
    """Promote from each mode's waiting list while it has free seats (e.g. after raising a
    capacity)."""
    now = now or now_utc()
    promoted = []
    for mode in event_modes(event):
        while (registration := promote_next(event, mode, now=now)) is not None:
            promoted.append(registration)
    return promoted


def promote_first(event: Event, mode: AttendanceMode, now: datetime) -> Registration | None:
    """Under the event's lock: give a free seat of `mode` to the first on its waiting list."""
    # Once the waiting list has closed, shortly before the start, a seat could no longer
    # be taken up; a cancelled event has no seats to give.
    if event.status != EventStatus.PUBLISHED or waitlist_closed(event, now):
        return None
    if not has_free_seat(event, mode):
        return None
    first = db.session.scalar(
        sa.select(Registration)
        .where(*same_pool(event, mode), Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.id)
        .limit(1)
    )
    if first is not None:
        _confirm(first, now)
    return first


def _confirm(registration: Registration, now: datetime) -> None:
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    registration.updated_at = now
    webhooks.registration_event("registration.promoted", registration)
    # A held place hears nothing until its address is confirmed; then it gets the email
    # of its status at that time.
    if not registration.is_held:
        messages.queue_for_registration(registration, MessageKind.PROMOTED)


def check_in(registration: Registration, *, now: datetime | None = None) -> Registration:
    """Mark a confirmed attendee as arrived; checking in twice keeps the first time."""
    now = now or now_utc()
    registration = _locked_registration(registration)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise InvalidTransition("Only confirmed registrations can be checked in.")
    if registration.checked_in_at is None:
        registration.checked_in_at = now
        webhooks.registration_event("registration.checked_in", registration)
    return registration


def undo_check_in(registration: Registration) -> Registration:
    """Clear a check-in made by mistake."""
    registration = _locked_registration(registration)
    registration.checked_in_at = None
    return registration


def _locked_registration(registration: Registration) -> Registration:
    locked = lock_row(db.session, Registration, registration.id)
    if locked is None:
        raise InvalidTransition("This registration no longer exists.")
    return locked


def resend_confirmation(registration: Registration) -> OutboxMessage:
    """Queue again the email that matches the registration's current status (no commit)."""
    begin_write(db.session)
    return messages.queue_for_registration(registration, status_message(registration))


def set_language(registration: Registration, language: str) -> Registration:
    """Write every later email and invite of this registration in `language` (no commit)."""
    registration = _locked_registration(registration)
    registration.language = language
    return registration
