"""Organiser accounts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import UTCDateTime, now_utc
from webapp.extensions import db


class Organiser(UserMixin, db.Model):
    __tablename__ = "organiser"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # Bumped at sign-out and password change; sessions carrying an older value are refused.
    session_version: Mapped[int] = mapped_column(default=1)
    last_timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Brussels")
    # The language of the emails Convene writes to this organiser.
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    # How they hear about registrations to their events, unless an event says otherwise
    # (webapp.communication.models.NotifyChoice values).
    notify_default: Mapped[str] = mapped_column(
        sa.String(20), default="none", server_default="none"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Two-step sign-in (webapp/organiser/two_factor.py): the TOTP secret, Fernet-encrypted;
    # the last time step accepted, so a code works once (RFC 6238 section 5.2); wrong second
    # steps since the last success, which end a pending sign-in; and an admin's reset that
    # makes the organiser enrol again at their next sign-in.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(300), default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    second_step_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    must_enrol_two_factor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def get_id(self) -> str:
        """Flask-Login identity: id and session version, so old cookies stop working."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    def __repr__(self) -> str:
        return f"<Organiser {self.email}>"


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its keyed hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organiser.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
