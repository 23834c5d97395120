"""Read-only views of the outbox, for `flask mail status` and the organiser area."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.extensions import db
from webapp.mail.models import OutboxMessage, OutboxStatus


def counts(*, event_id: int | None = None) -> dict[OutboxStatus, int]:
    """Number of outbox messages per status, optionally for one event."""
    stmt = sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    if event_id is not None:
        stmt = stmt.where(OutboxMessage.event_id == event_id)
    result = dict.fromkeys(OutboxStatus, 0)
    result.update({status: number for status, number in db.session.execute(stmt)})
    return result


def recent_failures(*, limit: int = 10, event_id: int | None = None) -> list[OutboxMessage]:
    """The most recent messages that failed for good, with their error text."""
    stmt = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if event_id is not None:
        stmt = stmt.where(OutboxMessage.event_id == event_id)
    return list(db.session.scalars(stmt))
