"""An event's uploaded share image, stored in the database so every app server has it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import UTCDateTime, now_utc
from webapp.extensions import db


class EventImage(db.Model):
    """The prepared image (1200x630, metadata stripped) and the digest its URL carries."""

    __tablename__ = "event_image"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    # SHA-256 of `data`: a new image is a new URL, so the old one may be cached for ever.
    digest: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
