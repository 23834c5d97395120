"""Announcements: an organiser's message to a group of an event's attendees.

Sending counts the group under the event's lock and stores the announcement with that
count; up to MAIL_INLINE_FANOUT_LIMIT people get their personal messages in the same
transaction, a larger group gets a fan-out row that the mail sender expands in committed
chunks (webapp.mail.fanout), exactly as an event's cancellation does.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
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


class PreviewChanged(Exception):
    """No preview, or the group, the text or the number of recipients changed since it."""


class AlreadySent(Exception):
    """The announcement of this preview was sent already (the form came twice)."""


PREVIEW_SALT = "announcement-preview"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=PREVIEW_SALT)


def _fingerprint(event: Event, letter: letters.Letter, group: AudienceGroup) -> str:
    material = json.dumps([event.id, group.value, letter.subject, letter.body])
    return hashlib.sha256(material.encode()).hexdigest()


def preview_token(event: Event, letter: letters.Letter, group: AudienceGroup, count: int) -> str:
    """A signed token binding what the preview showed: event, group, text and count. Each
    preview issues a new one, so previewing again lets the same text be sent again."""
    payload = {"f": _fingerprint(event, letter, group), "n": count, "r": secrets.token_hex(8)}
    return _serializer().dumps(payload)


def _previewed_count(event: Event, letter: letters.Letter, group: AudienceGroup, token: str):
    """The count the token's preview showed; raises PreviewChanged if it is not this one's."""
    try:
        payload = _serializer().loads(token or "")
        fingerprint, count = payload["f"], payload["n"]
    except (BadSignature, KeyError, TypeError):
        raise PreviewChanged from None
    if fingerprint != _fingerprint(event, letter, group) or not isinstance(count, int):
        raise PreviewChanged
    return count


@dataclass(frozen=True)
class Preview:
    """The message as its first recipient would get it, and how many would get it."""

    count: int
    recipient: str
    subject: str
    text: str
    html: Markup
    token: str  # binds Send to exactly this preview (preview_token)


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
    count = recipient_count(event, group)
    return Preview(
        count=count,
        recipient=f"{first.full_name} <{first.email}>",
        subject=rendered["subject"],
        text=rendered["text"],
        html=letters.body_html(letter.body, values),
        token=preview_token(event, letter, group, count),
    )


def send(
    event: Event,
    author_id: int | None,
    letter: letters.Letter,
    group: AudienceGroup,
    token: str,
) -> EventAnnouncement:
    """Store the announcement and queue a personal message for each of the group (no
    commit). `token` is the one its preview issued: raises PreviewChanged if anything
    changed since, AlreadySent if it was sent with this token, NoRecipients if empty."""
    shown = _previewed_count(event, letter, group, token)
    digest = hashlib.sha256(token.encode()).hexdigest()
    locked = lock_row(db.session, Event, event.id)
    # Under the event's lock, so of two identical submissions the second sees the first.
    if db.session.scalar(
        sa.select(EventAnnouncement.id).where(EventAnnouncement.preview_digest == digest)
    ):
        raise AlreadySent
    count, last_id = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Registration.id)).where(
            groups.condition(locked, group)
        )
    ).one()
    if not count:
        raise NoRecipients
    if count != shown:
        raise PreviewChanged
    announcement = EventAnnouncement(
        preview_digest=digest,
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
