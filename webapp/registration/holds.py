"""Double opt-in: a registration takes its place in the queue at once and holds it until
the person confirms their email address; unconfirmed holds are released by a job.

A held registration has its normal status (confirmed: it holds a seat; waitlisted: it holds
its position), so the queue keeps the submission order. `hold_expires_at` is set while the
place is held, cleared on confirmation, and kept on a registration the job cancelled, which
tells an expired hold from a cancellation. Confirmation and expiry both decide under the
event's lock, so a person confirming at the last moment and the job never both win.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from webapp.communication import notifications
from webapp.db import lock_row, now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail import messages
from webapp.mail.messages import MessageKind
from webapp.registration.models import Registration
from webapp.registration.services import (
    STATUS_MESSAGES,
    InvalidTransition,
    RegistrationError,
    held_until_before,
    release_passed_holds,
)


class HoldExpired(RegistrationError):
    """The address was not confirmed in time: the place is (or is about to be) released."""


def hold_has_passed(registration: Registration, now: datetime) -> bool:
    """Whether the registration's hold ran out, released by the job or not yet."""
    if registration.hold_expired:
        return True
    return registration.is_held and now >= registration.hold_expires_at


def confirm_email(registration: Registration, *, now: datetime | None = None) -> bool:
    """Confirm a held registration's address in time: the hold ends and the email of its
    status (with the invite for a seat) is queued, as for any registration, and so is the
    organisers' new-registration notice, held back until now (no commit).

    Returns whether anything changed: confirming twice, or a registration that was never
    held, changes nothing. Raises HoldExpired once the hold has passed.
    """
    now = now or now_utc()
    registration_id = registration.id
    if lock_row(db.session, Event, registration.event_id) is None:
        raise InvalidTransition("This registration no longer exists.")
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    if registration is None:
        raise InvalidTransition("This registration no longer exists.")
    if hold_has_passed(registration, now):
        raise HoldExpired("The place was held until the address was confirmed; it has passed.")
    if not registration.is_held:
        return False
    registration.hold_expires_at = None
    registration.email_confirmed_at = now
    registration.updated_at = now
    messages.queue_for_registration(registration, STATUS_MESSAGES[registration.status])
    notifications.queue_notices(registration, MessageKind.NEW_REGISTRATION_NOTICE)
    return True


def expire_holds(*, now: datetime | None = None) -> int:
    """Release every hold that has passed and promote the next in line of each freed seat's
    mode (no commit); returns how many holds were released.

    Idempotent and safe to run in several processes at once: each event is handled under
    its lock, events in id order (no deadlock between two runs), and the held rows are
    re-read under the lock, so a hold released by another run is not released again.
    """
    now = now or now_utc()
    # A plain read first (the hold index): the worker runs this every round, and most
    # rounds find nothing, so they should not take the write lock for it.
    event_ids = db.session.scalars(
        sa.select(Registration.event_id)
        .where(held_until_before(now))
        .distinct()
        .order_by(Registration.event_id)
    ).all()
    return sum(len(expire_event_holds(event_id, now)) for event_id in event_ids)


def expire_event_holds(event_id: int, now: datetime) -> list[Registration]:
    """Under the event's lock: release its passed holds, then fill the seats they freed."""
    event = lock_row(db.session, Event, event_id)
    if event is None:
        return []
    return release_passed_holds(event, now)
