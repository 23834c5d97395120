"""Stored calendar entries: each event's serialised VEVENT, per variant (see entries.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class CalendarEntry(db.Model):
    """One event's VEVENT as icalendar serialised it, and what it was built from."""

    __tablename__ = "calendar_entry"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    # Which rendering of the event: "public" (the feed and the event file); translated
    # feeds add one variant per language ("public:da") in the same table.
    variant: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    # A digest of the event's values the entry was built from (entries.version_key()).
    version: Mapped[str] = mapped_column(sa.String(64))
    base_url: Mapped[str] = mapped_column(sa.String(300))
    # The TZIDs the VEVENT's times use, space-separated: the file needs their VTIMEZONEs.
    tzids: Mapped[str] = mapped_column(sa.String(300), default="")
    vevent: Mapped[bytes] = mapped_column(sa.LargeBinary)

    def __repr__(self) -> str:
        return f"<CalendarEntry {self.event_id} {self.variant}>"
