"""Which registrations cannot be reached: the outbox's permanent failures, per address.

A registration is undeliverable when the most recent message to its current address
failed for good (a 5xx answer, an address that cannot be written, attempts exhausted).
Messages to an earlier address do not count, so correcting the address clears the mark;
a later message that went out (or is still on its way) clears it as well.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from webapp.extensions import db
from webapp.mail.models import OutboxMessage, OutboxStatus
from webapp.registration.models import ACTIVE_STATUSES, Registration


def undeliverable_clause() -> sa.ColumnElement[bool]:
    """A WHERE clause over Registration: its latest message to its address failed."""
    latest = orm.aliased(OutboxMessage)
    latest_id = (
        sa.select(sa.func.max(latest.id))
        .where(latest.registration_id == Registration.id, latest.recipient == Registration.email)
        .correlate(Registration)
        .scalar_subquery()
    )
    return (
        sa.exists()
        .where(
            OutboxMessage.registration_id == Registration.id,
            OutboxMessage.id == latest_id,
            OutboxMessage.status == OutboxStatus.FAILED,
        )
        .correlate(Registration)
    )


def undeliverable_ids(registration_ids: list[int]) -> set[int]:
    """Those of these registrations, still active, that are undeliverable, in one query
    (a cancelled registration expects no more mail, so its address needs no fixing)."""
    if not registration_ids:
        return set()
    rows = db.session.scalars(
        sa.select(Registration.id).where(
            Registration.id.in_(registration_ids),
            Registration.status.in_(ACTIVE_STATUSES),
            undeliverable_clause(),
        )
    )
    return set(rows)


def messages_to(registration_id: int, *, limit: int = 50) -> list[OutboxMessage]:
    """The messages written for a registration, newest first, with their delivery state."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.registration_id == registration_id)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
