"""Privacy's tables: the notice's published versions, and what survives a purged event."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import UTCDateTime, now_utc
from webapp.extensions import db


class PrivacyNoticeVersion(db.Model):
    """One published privacy notice: what the admin wrote, as it read on that day."""

    __tablename__ = "privacy_notice_version"
    __table_args__ = (sa.Index("ix_privacy_notice_version_published_at", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Recorded on each registration: "2026-12-06", "2026-12-06-2" for a second that day.
    label: Mapped[str] = mapped_column(sa.String(40), unique=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # JSON object of the notice's settings (privacy.controller_name, ...) when published.
    content: Mapped[str] = mapped_column(sa.Text, default="{}")
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organiser.id", ondelete="SET NULL"), default=None
    )

    @property
    def values(self) -> dict[str, Any]:
        return json.loads(self.content or "{}")

    def __repr__(self) -> str:
        return f"<PrivacyNoticeVersion {self.label}>"


class EventStatistics(db.Model):
    """How many registrations an event had with one combination of anonymous traits.

    Written by the retention job just before it erases the registrations, so the
    organiser's figures (per status, attendance mode, country, check-ins) survive them.
    A country alone never names a person: the rows hold no dates and no ids of people.
    """

    __tablename__ = "event_statistics"
    __table_args__ = (
        sa.UniqueConstraint(
            "event_id",
            "status",
            "attendance_mode",
            "country",
            "checked_in",
            "joined_online",
            name="uq_event_statistics_traits",
        ),
        sa.CheckConstraint("count > 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    # The registration's status and mode values ('confirmed', 'online'), as stored.
    status: Mapped[str] = mapped_column(sa.String(20))
    attendance_mode: Mapped[str] = mapped_column(sa.String(20))
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    checked_in: Mapped[bool] = mapped_column(default=False)
    joined_online: Mapped[bool] = mapped_column(default=False)
    count: Mapped[int]
