"""Who wants to hear about registrations, and the announcements organisers have sent."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import UTCDateTime, enum_column, now_utc
from webapp.extensions import db


class NotifyChoice(enum.StrEnum):
    """How an organiser hears about an event's registrations and cancellations."""

    EACH = "each"
    DIGEST = "digest"
    NONE = "none"


class AudienceGroup(enum.StrEnum):
    """Whom an announcement goes to (never cancelled registrations)."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CHECKED_IN = "checked_in"
    IN_PERSON = "in_person"
    ONLINE = "online"
    ACTIVE = "active"


class EventNotification(db.Model):
    """One organiser's choice for one event, overriding their account's default."""

    __tablename__ = "event_notification"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    organiser_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organiser.id", ondelete="CASCADE"), primary_key=True
    )
    choice: Mapped[NotifyChoice] = mapped_column(enum_column(NotifyChoice, "notify_choice"))


class EventAnnouncement(db.Model):
    """A message an organiser wrote to a group of an event's attendees, as sent."""

    __tablename__ = "event_announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organiser.id", ondelete="SET NULL"), default=None
    )
    subject: Mapped[str] = mapped_column(sa.String(200))
    # Markdown as the organiser wrote it, placeholders included.
    body: Mapped[str] = mapped_column(sa.Text)
    audience_group: Mapped[AudienceGroup] = mapped_column(
        enum_column(AudienceGroup, "audience_group")
    )
    recipients: Mapped[int] = mapped_column(default=0)
    # The digest of the preview token it was sent with: unique, so a form submitted twice
    # (a double click, a reload) sends the announcement once.
    preview_digest: Mapped[str | None] = mapped_column(
        sa.String(64), default=None, unique=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
