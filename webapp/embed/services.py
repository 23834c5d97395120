"""What the embedded list shows: upcoming public events, filtered by kind and format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from webapp.events import services as events
from webapp.events.models import Event, EventFormat, EventKind, EventText
from webapp.extensions import db
from webapp.registration.availability import Availability, availability


@dataclass(frozen=True)
class EmbeddedEvent:
    """One card of the embedded list, ready to show."""

    event: Event
    time: events.EventTime
    text: EventText
    availability: Availability
    url: str


def parse_format(value: str | None) -> EventFormat | None:
    """A format from a query string; unknown values mean no filter."""
    try:
        return EventFormat(value) if value else None
    except ValueError:
        return None


def upcoming(
    kind: EventKind | None, fmt: EventFormat | None, *, limit: int, now: datetime
) -> list[Event]:
    """Public events that have not ended (postponed ones included), soonest first."""
    stmt = sa.select(Event).where(
        Event.status.in_(events.PUBLIC_STATUSES),
        sa.or_(Event.ends_at > now, Event.postponed_at.is_not(None)),
    )
    if kind is not None:
        stmt = stmt.where(Event.kind == kind)
    if fmt is not None:
        stmt = stmt.where(Event.format == fmt)
    return list(db.session.scalars(stmt.order_by(Event.starts_at, Event.id).limit(limit)))


def cards(
    found: list[Event], *, language: str, base_url: str, now: datetime
) -> list[EmbeddedEvent]:
    """The cards of `found` in `language`, each linking to its page in that language."""
    return [
        EmbeddedEvent(
            event=event,
            time=events.event_time(event),
            text=event.text_in(language),
            availability=availability(event, now=now),
            url=events.public_url(event, base_url, language),
        )
        for event in found
    ]
