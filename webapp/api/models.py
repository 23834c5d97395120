"""Organiser API tokens: read-only, for all of an organiser's events or one of them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, now_utc
from webapp.extensions import db


class ApiToken(db.Model):
    """A bearer token an organiser created; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organiser.id", ondelete="CASCADE"), index=True
    )
    # None: every event the organiser may see; else that one event only.
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), default=None, index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The token's first characters ("cvn_Ab3x"), so the organiser can tell tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    organiser = relationship("Organiser", lazy="joined", innerjoin=True)
    event = relationship("Event")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}>"
