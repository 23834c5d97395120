"""The outbox: every email is a row written in the same transaction as its cause."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import UTCDateTime, enum_column, now_utc
from webapp.extensions import db


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    RETRY = "retry"
    FAILED = "failed"
    SENT = "sent"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    # Makes queuing idempotent, e.g. one reminder per registration and start
    # ("reminder-24h:123:2027-02-28T17:00Z").
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True, default=None)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.QUEUED
    )

    sender: Mapped[str] = mapped_column(sa.String(320))
    # The bare address (envelope and look-ups) and the display name for the To header.
    recipient: Mapped[str] = mapped_column(sa.String(320))
    recipient_name: Mapped[str] = mapped_column(sa.String(200), default="")
    reply_to: Mapped[str] = mapped_column(sa.String(320), default="")
    # The language the message is written in ('da'), for its Content-Language header.
    language: Mapped[str] = mapped_column(sa.String(8), default="", server_default="")
    subject: Mapped[str] = mapped_column(sa.String(300))
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    # iCalendar attachment and its METHOD (REQUEST, CANCEL), if any.
    ics: Mapped[str | None] = mapped_column(sa.Text, default=None)
    ics_method: Mapped[str | None] = mapped_column(sa.String(20), default=None)

    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="SET NULL"), index=True, default=None
    )
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True, default=None
    )

    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When the address, subject, bodies and invite were erased (webapp/privacy/erasure.py);
    # the row keeps its kind, status and dates.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


class Announcement(db.Model):
    """An organiser's change or cancellation still to be fanned out to a large audience.

    Written in the same transaction as the change; the sender expands it into outbox rows
    in small committed chunks, resuming from `last_registration_id`, so an event with
    100,000 registrations never holds a request (or the write lock) for minutes.
    """

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    # Registrations up to this id, active at expansion time, receive the message.
    up_to_registration_id: Mapped[int]
    last_registration_id: Mapped[int] = mapped_column(default=0)
    audience: Mapped[int] = mapped_column(default=0)
    # What changed and the organiser's note, as JSON (webapp.communication.changes), so every
    # chunk renders the same change into each person's language.
    details: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # An organiser's written announcement (kind "announcement") and its group; else None.
    event_announcement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event_announcement.id", ondelete="CASCADE"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
