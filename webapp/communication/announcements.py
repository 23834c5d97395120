"""Announcements: an organiser's message to a group of an event's attendees.

Sending counts the group under the event's lock and stores the announcement with that
count; up to MAIL_INLINE_FANOUT_LIMIT people get their personal messages in the same
transaction, a larger group gets a fan-out row that the mail sender expands in committed
chunks (webapp.mail.fanout), exactly as an event's cancellation does.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup

from webapp import i18n
from webapp.communication import groups
from webapp.communication.models import AudienceGroup, EventAnnouncement
from webapp.db import lock_row
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail import announcements as letters
from webapp.mail import content
from webapp.mail.messages import MessageKind
from webapp.mail.models import Announcement, OutboxMessage, OutboxStatus
from webapp.registration.models import Registration


class NoRecipients(Exception):
    """The chosen group has nobody in it: nothing is sent or stored."""


@dataclass(frozen=True)
class Preview:
    """The message as its first recipient would get it, and how many would get it."""

    count: int
    recipient: str
    subject: str
    text: str
    html: Markup


def recipient_count(event: Event, group: AudienceGroup) -> int:
    """How many people the group holds now."""
    return db.session.scalar(sa.select(sa.func.count()).where(groups.condition(event, group)))


def preview(event: Event, letter: letters.Letter, group: AudienceGroup) -> Preview | None:
    """The message for the group's first recipient (by registration), or None if empty."""
    first = db.session.scalars(
        sa.select(Registration).where(groups.condition(event, group)).order_by(Registration.id)
    ).first()
    if first is None:
        return None
    facts = content.event_facts(event, i18n.supported(first.language))
    values = letters.personal_values(first, facts)
    rendered = letters.render(letter, first, facts)
    return Preview(
        count=recipient_count(event, group),
        recipient=f"{first.full_name} <{first.email}>",
        subject=rendered["subject"],
        text=rendered["text"],
        html=letters.body_html(letter.body, values),
    )


def send(
    event: Event, author_id: int | None, letter: letters.Letter, group: AudienceGroup
) -> EventAnnouncement:
    """Store the announcement and queue a personal message for each of the group (no
    commit); raises NoRecipients for an empty group."""
    locked = lock_row(db.session, Event, event.id)
    count, last_id = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Registration.id)).where(
            groups.condition(locked, group)
        )
    ).one()
    if not count:
        raise NoRecipients
    announcement = EventAnnouncement(
        event_id=locked.id,
        author_id=author_id,
        subject=letter.subject,
        body=letter.body,
        audience_group=group,
        recipients=count,
    )
    db.session.add(announcement)
    db.session.flush()
    if count > current_app.config["MAIL_INLINE_FANOUT_LIMIT"]:
        db.session.add(
            Announcement(
                event_id=locked.id,
                kind=MessageKind.ANNOUNCEMENT.value,
                up_to_registration_id=last_id,
                audience=count,
                event_announcement_id=announcement.id,
            )
        )
        return announcement
    ids = db.session.scalars(
        sa.select(Registration.id).where(groups.condition(locked, group)).order_by(Registration.id)
    ).all()
    letters.queue_letter(locked, letter, list(ids), announcement_id=announcement.id)
    return announcement


@dataclass(frozen=True)
class SentAnnouncement:
    """A past announcement with its delivery so far."""

    announcement: EventAnnouncement
    sent: int
    pending: int
    failed: int


def history(event_id: int) -> list[SentAnnouncement]:
    """The event's announcements, latest first, with sent / pending / failed counts."""
    rows = db.session.scalars(
        sa.select(EventAnnouncement)
        .where(EventAnnouncement.event_id == event_id)
        .order_by(EventAnnouncement.id.desc())
    ).all()
    return [_with_delivery(row) for row in rows]


def _with_delivery(row: EventAnnouncement) -> SentAnnouncement:
    by_status = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count())
            .where(
                OutboxMessage.event_id == row.event_id,
                OutboxMessage.dedupe_key.startswith(letters.dedupe_prefix(row.id), autoescape=True),
            )
            .group_by(OutboxMessage.status)
        ).all()
    )
    sent = by_status.get(OutboxStatus.SENT, 0)
    failed = by_status.get(OutboxStatus.FAILED, 0)
    written = sum(by_status.values())
    pending = written - sent - failed
    # While a large group is still being expanded, the messages not written yet are pending
    # too; once it is done, whoever left the group meanwhile is simply not counted.
    expanding = db.session.scalar(
        sa.select(sa.func.count()).where(
            Announcement.event_announcement_id == row.id, Announcement.completed_at.is_(None)
        )
    )
    if expanding:
        pending += max(row.recipients - written, 0)
    return SentAnnouncement(row, sent, pending, failed)
