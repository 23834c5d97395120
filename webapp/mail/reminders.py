"""Reminders before an event: one 24 hours before, and one an hour before to those who
follow it online (with the join link), whatever the kind of event.

Everything is decided on UTC instants (Event.starts_at), so events in any zone are
reminded at the same distance from their start. Each reminder is queued once per
registration and start: its dedupe_key ("reminder-24h:<registration id>:<start, UTC
minute>") is unique in the outbox, and a rescheduled event's new date gets its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventStatus
from webapp.extensions import db
from webapp.mail.messages import MessageKind, queue_for_registration
from webapp.mail.models import OutboxMessage
from webapp.registration.models import Registration, RegistrationStatus


@dataclass(frozen=True)
class Reminder:
    kind: MessageKind
    key_prefix: str
    # Due from `lead` before the start until `until` before the start.
    lead: timedelta
    until: timedelta
    online_only: bool  # only people who follow the event online (Registration.attends_online)


REMINDERS = (
    # An hour before the start it is too late to be useful for a venue; people who follow
    # an online or hybrid event online get the one-hour reminder with the join link instead.
    Reminder(
        MessageKind.REMINDER_24H, "reminder-24h", timedelta(hours=24), timedelta(hours=1), False
    ),
    Reminder(MessageKind.REMINDER_1H, "reminder-1h", timedelta(hours=1), timedelta(0), True),
)


def _start_stamp(event: Event) -> str:
    return event.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def dedupe_key(reminder: Reminder, registration_id: int, event: Event) -> str:
    """The outbox key that makes a reminder unique per registration and start: after a
    reschedule the new date is reminded of too."""
    return f"{reminder.key_prefix}:{registration_id}:{_start_stamp(event)}"


def due_events(reminder: Reminder, now: datetime) -> list[Event]:
    """Published events whose reminder window contains `now`."""
    stmt = sa.select(Event).where(
        Event.status == EventStatus.PUBLISHED,
        Event.postponed_at.is_(None),  # no reminders of a date that no longer holds
        Event.starts_at > now + reminder.until,
        Event.starts_at <= now + reminder.lead,
    )
    if reminder.online_only:
        stmt = stmt.where(Event.format.in_((EventFormat.ONLINE, EventFormat.HYBRID)))
    return list(db.session.scalars(stmt.order_by(Event.starts_at, Event.id)))


def due_registrations(reminder: Reminder, event: Event) -> list[Registration]:
    """The event's confirmed registrations still without this reminder (and, for an online
    reminder, only those who attend online).

    People confirmed after the reminder became due are skipped: their confirmation,
    sent moments before, already carries everything.
    """
    key = (
        sa.literal(reminder.key_prefix + ":")
        + sa.cast(Registration.id, sa.String)
        + sa.literal(":" + _start_stamp(event))
    )
    due_at = event.starts_at - reminder.lead
    registrations = list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                # A held seat's address is not confirmed yet: it gets no reminders.
                Registration.hold_expires_at.is_(None),
                sa.func.coalesce(Registration.confirmed_at, Registration.created_at) < due_at,
                ~sa.exists().where(OutboxMessage.dedupe_key == key),
            )
            .order_by(Registration.id)
        )
    )
    if reminder.online_only:
        return [registration for registration in registrations if registration.attends_online]
    return registrations


def queue_due_reminders(*, now: datetime | None = None) -> int:
    """Queue every reminder due at `now` (no commit); returns how many were queued."""
    now = now or now_utc()
    begin_write(db.session)
    count = 0
    for reminder in REMINDERS:
        for event in due_events(reminder, now):
            for registration in due_registrations(reminder, event):
                key = dedupe_key(reminder, registration.id, event)
                queue_for_registration(registration, reminder.kind, dedupe_key=key)
                count += 1
    return count
