"""The follow-up email after an event: settings, and the job that queues it when due.

Due `hours_after` the event's end (a UTC instant, so events in every zone are treated
alike), to confirmed registrations only: people who came get one wording (with their
certificate link), people who did not another. Each registration gets one follow-up,
whichever wording: its outbox dedupe key ("follow-up:<registration id>") is unique, and the
queuing for an event happens under that event's lock, so two jobs running at once queue
each message once. A follow-up that has not gone out within FOLLOW_UP_WINDOW of its time
(the job did not run, or it was switched on long after the event) is never sent late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from webapp import i18n
from webapp.communication.after_models import FOLLOW_UP_MAX_HOURS, FollowUp
from webapp.communication.materials import is_web_link, materials_of
from webapp.db import lock_row, now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.mail import content
from webapp.mail.messages import MessageKind, queue_for_registration
from webapp.mail.models import OutboxMessage
from webapp.registration.attendance import came, came_clause
from webapp.registration.models import Registration, RegistrationStatus
from webapp.registration.tokens import manage_token

KEY_PREFIX = "follow-up"
FOLLOW_UP_WINDOW = timedelta(days=7)
# Registrations queued per transaction: a large event never holds its lock for long.
CHUNK = 200


class InvalidFollowUp(ValueError):
    """Settings that break a bound the form should have caught."""


@dataclass(frozen=True)
class FollowUpData:
    enabled: bool
    hours_after: int
    came_message: str
    missed_message: str
    feedback_url: str


def follow_up_of(event_id: int) -> FollowUp | None:
    """The event's follow-up settings, if any were saved."""
    return db.session.scalar(sa.select(FollowUp).where(FollowUp.event_id == event_id))


def save_follow_up(event: Event, data: FollowUpData) -> FollowUp:
    """Store the settings (no commit); the caller holds the event's lock."""
    if not 0 <= data.hours_after <= FOLLOW_UP_MAX_HOURS:
        raise InvalidFollowUp("hours_after out of bounds")
    if data.feedback_url and not (
        is_web_link(data.feedback_url) and data.feedback_url.startswith("https://")
    ):
        raise InvalidFollowUp("feedback_url must be https")
    follow_up = follow_up_of(event.id)
    if follow_up is None:
        follow_up = FollowUp(event_id=event.id)
        db.session.add(follow_up)
    follow_up.enabled = data.enabled
    follow_up.hours_after = data.hours_after
    follow_up.came_message = data.came_message
    follow_up.missed_message = data.missed_message
    follow_up.feedback_url = data.feedback_url
    return follow_up


def due_at(event: Event, follow_up: FollowUp) -> datetime:
    """When the follow-up of this event goes out."""
    return event.ends_at + timedelta(hours=follow_up.hours_after)


def is_due(event: Event, follow_up: FollowUp | None, now: datetime) -> bool:
    """Switched on, the event took place, and `now` is within the window after its time."""
    if follow_up is None or not follow_up.enabled or event.status != EventStatus.PUBLISHED:
        return False
    return due_at(event, follow_up) <= now < due_at(event, follow_up) + FOLLOW_UP_WINDOW


def due_event_ids(now: datetime) -> list[int]:
    """Events whose follow-up may be due at `now` (a plain read, no lock)."""
    earliest = now - timedelta(hours=FOLLOW_UP_MAX_HOURS) - FOLLOW_UP_WINDOW
    rows = db.session.execute(
        sa.select(Event, FollowUp)
        .join(FollowUp, FollowUp.event_id == Event.id)
        .where(
            FollowUp.enabled.is_(True),
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at <= now,
            Event.ends_at > earliest,
        )
        .order_by(Event.ends_at, Event.id)
    ).all()
    due = [event.id for event, follow_up in rows if is_due(event, follow_up, now)]
    # Only events someone still waits for: a worker's rounds that find none take no lock.
    return [event_id for event_id in due if _has_pending(event_id)]


def _has_pending(event_id: int) -> bool:
    return db.session.scalar(sa.select(_pending_query(event_id).exists())) or False


def queue_follow_ups(
    event_id: int, *, now: datetime | None = None, limit: int | None = None
) -> int:
    """Under the event's lock, queue the follow-up for up to `limit` confirmed
    registrations that have none yet (no commit); returns how many were queued."""
    now = now or now_utc()
    event = lock_row(db.session, Event, event_id)
    follow_up = follow_up_of(event_id) if event is not None else None
    if event is None or not is_due(event, follow_up, now):
        return 0
    materials = materials_of(event_id)
    has_materials = materials is not None and materials.published
    registrations = pending_registrations(event_id, limit or CHUNK)
    for registration in registrations:
        kind = MessageKind.FOLLOW_UP_CAME if came(registration) else MessageKind.FOLLOW_UP_MISSED
        queue_for_registration(
            registration,
            kind,
            dedupe_key=f"{KEY_PREFIX}:{registration.id}",
            extra=_values(registration, follow_up, has_materials),
        )
    return len(registrations)


def pending_registrations(event_id: int, limit: int) -> list[Registration]:
    """Confirmed registrations (never cancelled, waitlisted or held) without a follow-up."""
    stmt = _pending_query(event_id).order_by(Registration.id).limit(limit)
    return list(db.session.scalars(stmt))


def _pending_query(event_id: int) -> sa.Select:
    key = sa.literal(KEY_PREFIX + ":") + sa.cast(Registration.id, sa.String)
    return sa.select(Registration).where(
        Registration.event_id == event_id,
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.hold_expires_at.is_(None),
        ~sa.exists().where(OutboxMessage.dedupe_key == key),
    )


def _values(registration: Registration, follow_up: FollowUp, has_materials: bool) -> dict:
    """What the follow-up templates show beyond the usual facts."""
    language = i18n.supported(registration.language)
    page = f"{content.base_url(language)}/r/{manage_token(registration)}"
    attended = came(registration)
    return {
        "came": attended,
        "message": follow_up.came_message if attended else follow_up.missed_message,
        "feedback_url": follow_up.feedback_url,
        "certificate_url": f"{page}/certificate.pdf" if attended else "",
        # Everyone addressed is confirmed, so published materials are theirs to see.
        "has_materials": has_materials,
    }


def came_count(event_id: int) -> int:
    """How many confirmed people of the event came (for the organiser's page)."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            came_clause(),
        )
    )


def run_follow_ups(*, now: datetime | None = None) -> int:
    """Queue every follow-up due at `now`, committing event by event (for the job)."""
    now = now or now_utc()
    queued = 0
    for event_id in due_event_ids(now):
        try:
            while True:
                count = queue_follow_ups(event_id, now=now)
                db.session.commit()
                queued += count
                if count < CHUNK:
                    break
        except sa.exc.IntegrityError:
            # A message of this event was queued by another path meanwhile; next run.
            db.session.rollback()
    return queued
