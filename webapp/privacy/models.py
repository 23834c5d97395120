"""What survives a purged event: anonymous counts of its registrations."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


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
