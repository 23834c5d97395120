"""Postponing: an event whose date is to be announced, and later its new date.

A postponed event stays published (`Event.postponed_at` is set): its page, registrations,
manage and join links all keep working, and attendees are told each time. Registration
closes while it is postponed, since nobody can say whether a date they do not know suits
them; it reopens with the new date. Giving a new date is an ordinary edit of the event's
times (organiser.services.update_event), which ends the postponement, remembers the old
start (schema.org EventRescheduled, previousStartDate) and mails what changed. If the
original date holds after all, keep_original_date() ends the postponement without a move.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from webapp.communication.changes import ChangeNotice
from webapp.db import now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.mail import messages
from webapp.mail.messages import MessageKind
from webapp.webhooks import services as webhooks


class PostponeError(ValueError):
    """The event cannot be postponed in its current state."""


def postpone(event: Event, message: str = "", *, now: datetime | None = None) -> int:
    """Mark a published event postponed (date to be announced) and tell everyone registered;
    returns how many people are told. The caller holds the event's lock and commits."""
    now = now or now_utc()
    if event.status != EventStatus.PUBLISHED:
        raise PostponeError(_("Only a published event can be postponed."))
    if event.is_postponed:
        raise PostponeError(_("The event is already postponed."))
    if now >= event.ends_at:
        raise PostponeError(_("The event has already taken place."))
    event.postponed_at = now
    event.sequence += 1  # attendees' calendars mark the entry tentative
    db.session.flush()
    webhooks.event_event("event.changed", event)
    notice = ChangeNotice(message=message.strip()[:2000])
    return messages.queue_for_attendees(
        event, MessageKind.EVENT_POSTPONED, details=notice.to_json()
    )


def reschedule_if_postponed(event: Event, previous_starts_at: datetime, moved: bool) -> bool:
    """End a postponement when the organiser gives the event new times; returns whether it
    did. The old start stays for schema.org's previousStartDate."""
    if not (event.is_postponed and moved):
        return False
    event.postponed_at = None
    event.previous_starts_at = previous_starts_at
    return True


def keep_original_date(event: Event, message: str = "", *, now: datetime | None = None) -> int:
    """End a postponement keeping the event's times, and tell everyone registered; returns
    how many people are told. The caller holds the event's lock and commits."""
    now = now or now_utc()
    if not event.is_postponed:
        raise PostponeError(_("The event is not postponed."))
    if now >= event.starts_at:
        raise PostponeError(
            _("The original date has passed: give a new date by editing the event's times.")
        )
    event.postponed_at = None
    event.sequence += 1  # attendees' calendars mark the entry confirmed again
    db.session.flush()
    webhooks.event_event("event.changed", event)
    notice = ChangeNotice(message=message.strip()[:2000], date_kept=True)
    return messages.queue_for_attendees(event, MessageKind.EVENT_CHANGED, details=notice.to_json())
