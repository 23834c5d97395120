"""Expanding large organiser announcements into outbox rows, a committed chunk at a time."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from webapp.communication import groups
from webapp.communication.models import EventAnnouncement
from webapp.db import begin_write, now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail import announcements, messages
from webapp.mail.models import Announcement
from webapp.registration.models import ACTIVE_STATUSES, Registration

CHUNK = 200


def expand_announcements(
    *, chunk: int = CHUNK, max_chunks: int | None = None, now: datetime | None = None
) -> int:
    """Queue the messages of pending announcements; returns how many rows were added.

    Each chunk commits with the announcement's cursor, so an interrupted expansion resumes
    where it stopped and never queues a message twice. Several senders on PostgreSQL take
    different announcements (SKIP LOCKED).
    """
    created = chunks = 0
    while max_chunks is None or chunks < max_chunks:
        added = _expand_chunk(chunk, now or now_utc())
        if added is None:
            break
        created += added
        chunks += 1
    return created


def _expand_chunk(chunk: int, now: datetime) -> int | None:
    session = db.session
    # A plain read first: an idle sender should not take the write lock to find nothing.
    pending = sa.select(Announcement.id).where(Announcement.completed_at.is_(None)).limit(1)
    if session.scalar(pending) is None:
        return None
    begin_write(session)
    announcement = session.scalars(
        sa.select(Announcement)
        .where(Announcement.completed_at.is_(None))
        .order_by(Announcement.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if announcement is None:
        session.rollback()
        return None
    event = session.get(Event, announcement.event_id)
    written = None
    audience = Registration.status.in_(ACTIVE_STATUSES)
    if announcement.event_announcement_id is not None:
        written = session.get(EventAnnouncement, announcement.event_announcement_id)
        audience = groups.condition(event, written.audience_group)
    ids = session.scalars(
        sa.select(Registration.id)
        .where(
            Registration.event_id == announcement.event_id,
            audience,
            Registration.id > announcement.last_registration_id,
            Registration.id <= announcement.up_to_registration_id,
        )
        .order_by(Registration.id)
        .limit(chunk)
    ).all()
    if written is not None:
        letter = announcements.Letter(written.subject, written.body)
        announcements.queue_letter(event, letter, list(ids), announcement_id=written.id)
    else:
        kind = messages.MessageKind(announcement.kind)
        messages.queue_for_registration_ids(event, kind, ids, details=announcement.details)
    if ids:
        announcement.last_registration_id = ids[-1]
    if len(ids) < chunk:
        announcement.completed_at = now
    session.commit()
    return len(ids)


def pending_audience(event_id: int) -> int:
    """How many people the event's unexpanded announcements still address."""
    pending = db.session.scalar(
        sa.select(sa.func.sum(Announcement.audience)).where(
            Announcement.event_id == event_id, Announcement.completed_at.is_(None)
        )
    )
    return pending or 0
