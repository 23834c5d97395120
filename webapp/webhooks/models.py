"""Webhook subscriptions and their deliveries (a durable outbox of HTTP requests)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, enum_column, now_utc
from webapp.extensions import db

# What an organiser may subscribe to; "ping" is the test an organiser sends by hand.
EVENT_TYPES = (
    "registration.created",
    "registration.cancelled",
    "registration.promoted",
    "registration.checked_in",
    "registration.erased",
    "event.changed",
    "event.cancelled",
)
PING = "ping"
# Says only which registration of which event was erased, so receivers delete their copy.
ERASED = "registration.erased"


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"


# Deliveries still to be sent; the others are finished and keep their payload only for
# OUTBOX_BODY_RETENTION_DAYS.
PENDING_STATUSES = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.RETRYING)


class Webhook(db.Model):
    """An organiser's URL that hears about one event, or about every event they manage."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organiser.id", ondelete="CASCADE"), index=True
    )
    # None: every event the organiser owns or co-organises.
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), index=True, default=None
    )
    url: Mapped[str] = mapped_column(sa.String(2000))
    # The chosen EVENT_TYPES, comma-separated.
    event_types: Mapped[str] = mapped_column(sa.String(300))
    # The HMAC key; kept readable because every delivery is signed with it.
    secret: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(default=True)
    # Why Convene paused it (a 410 Gone answer), shown to the organiser; "" otherwise.
    paused_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    # Loaded by a second query: a joined load cannot go with FOR UPDATE on PostgreSQL.
    event = relationship("Event", lazy="selectin")
    organiser = relationship("Organiser")

    @property
    def types(self) -> list[str]:
        return [name for name in self.event_types.split(",") if name]

    def __repr__(self) -> str:
        return f"<Webhook {self.id} {self.url}>"


class WebhookDelivery(db.Model):
    """One signed POST of one payload to one webhook, retried until delivered or failed."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_webhook_id_id", "webhook_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Sent as X-Convene-Delivery and as the payload's "id": receivers deduplicate on it.
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(sa.String(40))
    # Not foreign keys: the payload must stay findable for erasure after a row is deleted.
    event_id: Mapped[int | None] = mapped_column(default=None)
    registration_id: Mapped[int | None] = mapped_column(default=None, index=True)
    # The exact body sent (JSON); "" once erased or past retention.
    payload: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_status_code: Mapped[int | None] = mapped_column(default=None)
    # The start of the receiver's answer, cleaned of control characters.
    last_response: Mapped[str] = mapped_column(sa.String(1024), default="")
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event_type} {self.status}>"
