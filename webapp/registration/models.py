"""A person's registration for one event."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, enum_column, now_utc
from webapp.extensions import db


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


# The registrations that hold a seat or a place in the queue.
ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


class AttendanceMode(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"


class RegistrationSource(enum.StrEnum):
    """How a registration came: the public form, an organiser's hand, or a CSV import."""

    FORM = "form"
    ORGANISER = "organiser"
    IMPORT = "import"


class Registration(db.Model):
    __tablename__ = "registration"
    __table_args__ = (
        # One active registration per event and normalised email; cancelled ones don't count.
        sa.Index(
            "uq_registration_active_email",
            "event_id",
            "email_key",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        ),
        sa.Index("ix_registration_event_status_id", "event_id", "status", "id"),
        sa.Index("ix_registration_event_created_at", "event_id", "created_at"),
        # The organiser's attendee table: pages by id, check-in counts and filter.
        sa.Index("ix_registration_event_id_id", "event_id", "id"),
        sa.Index("ix_registration_event_checked_in_at", "event_id", "checked_in_at"),
        # Seats and waiting lists per attendance mode of hybrid events.
        sa.Index(
            "ix_registration_event_mode_status_id", "event_id", "attendance_mode", "status", "id"
        ),
        # The hold expiry job reads only the held registrations.
        sa.Index("ix_registration_hold_expires_at", "hold_expires_at"),
        # The API's registrations, synced page by page by (updated_at, id).
        sa.Index("ix_registration_event_updated_at_id", "event_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status")
    )

    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254))
    # Normalised, case-folded email used for duplicate detection.
    email_key: Mapped[str] = mapped_column(sa.String(254))
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(200), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    attendance_mode: Mapped[AttendanceMode] = mapped_column(
        enum_column(AttendanceMode, "attendance_mode")
    )
    needs: Mapped[str] = mapped_column(sa.Text, default="")
    # The language the person registered in: every later email and invite uses it.
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")

    source: Mapped[RegistrationSource] = mapped_column(
        enum_column(RegistrationSource, "registration_source"),
        default=RegistrationSource.FORM,
        server_default=RegistrationSource.FORM.value,
    )

    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    privacy_notice_version: Mapped[str] = mapped_column(sa.String(40))

    # The manage token is HMAC(SECRET_KEY, token_salt): random per registration, re-derivable
    # for every later email, and never stored; only its SHA-256 is, for look-ups.
    token_salt: Mapped[str] = mapped_column(sa.String(64))
    manage_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Double opt-in: set while the seat or waiting-list place is held for an unconfirmed
    # address; cleared on confirmation. Kept on a registration cancelled because its hold
    # ran out, which is how the organiser and the person tell that from a cancellation.
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Online attendance through the personal join link (webapp/communication/join.py): when
    # the person first joined, and how many times they opened the meeting.
    first_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    join_count: Mapped[int] = mapped_column(default=0, server_default="0")

    event = relationship("Event", lazy="joined", innerjoin=True)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_held(self) -> bool:
        """Active, and waiting for its email address to be confirmed."""
        return self.hold_expires_at is not None and self.status != RegistrationStatus.CANCELLED

    @property
    def hold_expired(self) -> bool:
        """Cancelled because the address was not confirmed in time."""
        return self.hold_expires_at is not None and self.status == RegistrationStatus.CANCELLED

    @property
    def attends_online(self) -> bool:
        """Whether this person follows the event online: everyone at an online event, and
        those who chose online at a hybrid one. Only they ever see the meeting link."""
        event_format = self.event.format.value
        return event_format == "online" or (
            event_format == "hybrid" and self.attendance_mode == AttendanceMode.ONLINE
        )

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


class PendingImport(db.Model):
    """A checked CSV file awaiting the organiser's confirmation: the valid rows as JSON.

    Kept on the server rather than in signed form data, so a preview of a thousand rows
    never travels back and forth, and `confirmed_at` lets a second confirmation (a double
    click, a resubmitted form) import nothing again.
    """

    __tablename__ = "pending_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organiser.id", ondelete="SET NULL"), default=None
    )
    file_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # The rows that passed every check, as a JSON list of objects (webapp.registration.imports).
    rows: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
