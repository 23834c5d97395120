"""After the event: the organiser's materials (links and a short text) and follow-up email."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, enum_column, now_utc
from webapp.extensions import db

# Bounds shared by the forms, the services and the database.
TEXT_LIMIT = 2000
LINK_TITLE_LIMIT = 200
URL_LIMIT = 500
MAX_LINKS = 5
FOLLOW_UP_MAX_HOURS = 720  # 30 days after the end
MESSAGE_LIMIT = 4000


class MaterialsVisibility(enum.StrEnum):
    ATTENDEES = "attendees"  # on the manage page of confirmed registrations only
    PUBLIC = "public"  # also on the event's public page once it has ended


class EventMaterials(db.Model):
    """What the organiser shares after an event: a short plain text and titled links."""

    __tablename__ = "event_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), unique=True
    )
    # Plain text as the organiser wrote it (in the language they chose); escaped on output.
    text: Mapped[str] = mapped_column(sa.Text, default="")
    visibility: Mapped[MaterialsVisibility] = mapped_column(
        enum_column(MaterialsVisibility, "materials_visibility"),
        default=MaterialsVisibility.ATTENDEES,
    )
    published: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    links: Mapped[list[MaterialLink]] = relationship(
        cascade="all, delete-orphan", order_by="MaterialLink.position", lazy="selectin"
    )


class MaterialLink(db.Model):
    """One link of the materials (slides, a recording), http or https only."""

    __tablename__ = "material_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    materials_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_materials.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(LINK_TITLE_LIMIT))
    url: Mapped[str] = mapped_column(sa.String(URL_LIMIT))


class FollowUp(db.Model):
    """An event's optional follow-up email, sent `hours_after` its end: one text for the
    people who came and another for those who did not."""

    __tablename__ = "follow_up"
    __table_args__ = (
        sa.CheckConstraint(
            f"hours_after BETWEEN 0 AND {FOLLOW_UP_MAX_HOURS}", name="hours_after_bounded"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), unique=True
    )
    enabled: Mapped[bool] = mapped_column(default=False)
    hours_after: Mapped[int] = mapped_column(default=24)
    came_message: Mapped[str] = mapped_column(sa.Text, default="")
    missed_message: Mapped[str] = mapped_column(sa.Text, default="")
    feedback_url: Mapped[str] = mapped_column(sa.String(URL_LIMIT), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
