"""The privacy notice's published versions."""

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
