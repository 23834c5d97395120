"""Helpers shared by the mail tests: deliver the outbox, read it, take messages apart."""

from __future__ import annotations

from datetime import datetime

import icalendar
import sqlalchemy as sa

from webapp.extensions import db
from webapp.mail.delivery import DeliveryReport, send_pending
from webapp.mail.models import OutboxMessage


def deliver(app, *, now: datetime | None = None, **options) -> DeliveryReport:
    """One delivery pass in its own application context."""
    with app.app_context():
        return send_pending(now=now, **options)


def outbox_rows(app) -> list[OutboxMessage]:
    """Every outbox row, detached, in id order."""
    with app.app_context():
        rows = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def leaf_parts(message) -> list:
    """The non-multipart parts of a parsed message, in order."""
    return [part for part in message.walk() if not part.is_multipart()]


def part_of_type(message, content_type: str):
    """The first part with this content type (e.g. 'text/calendar')."""
    return next(p for p in message.walk() if p.get_content_type() == content_type)


def calendar_of(message) -> icalendar.Calendar:
    """The inline text/calendar part, parsed."""
    return icalendar.Calendar.from_ical(
        part_of_type(message, "text/calendar").get_payload(decode=True)
    )


def header_block(raw: bytes) -> bytes:
    """The raw top-level header block of a message."""
    return raw.split(b"\r\n\r\n", 1)[0]
