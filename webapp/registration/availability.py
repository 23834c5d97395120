"""Whether an event accepts registrations now, and how many seats are left."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from webapp.db import now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.registration.models import Registration, RegistrationStatus


class RegistrationState(enum.StrEnum):
    OPEN = "open"
    WAITING_LIST = "waiting_list"  # full, new registrations join the waiting list
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    UNAVAILABLE = "unavailable"  # draft

    @property
    def accepts_registrations(self) -> bool:
        return self in (RegistrationState.OPEN, RegistrationState.WAITING_LIST)


@dataclass(frozen=True)
class Availability:
    state: RegistrationState
    confirmed: int
    waitlisted: int
    seats_left: int | None  # None: unlimited
    opens_at: datetime | None
    closes_at: datetime


def status_counts(event_id: int) -> dict[RegistrationStatus, int]:
    """Number of registrations per status for one event."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    )
    counts = dict.fromkeys(RegistrationStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


def availability(event: Event, *, now: datetime | None = None) -> Availability:
    """Whether and how one can register for the event right now."""
    now = now or now_utc()
    counts = status_counts(event.id)
    confirmed = counts[RegistrationStatus.CONFIRMED]
    seats_left = None if event.capacity is None else max(event.capacity - confirmed, 0)
    if event.status == EventStatus.CANCELLED:
        state = RegistrationState.CANCELLED
    elif event.status != EventStatus.PUBLISHED:
        state = RegistrationState.UNAVAILABLE
    elif event.registration_opens_at and now < event.registration_opens_at:
        state = RegistrationState.NOT_YET_OPEN
    elif now >= event.closes_at:
        state = RegistrationState.CLOSED
    elif seats_left == 0:
        state = RegistrationState.WAITING_LIST
    else:
        state = RegistrationState.OPEN
    return Availability(
        state=state,
        confirmed=confirmed,
        waitlisted=counts[RegistrationStatus.WAITLISTED],
        seats_left=seats_left,
        opens_at=event.registration_opens_at,
        closes_at=event.closes_at,
    )


def has_free_seat(event: Event) -> bool:
    """Whether one more registration could be confirmed (capacity aside from the window)."""
    if event.capacity is None:
        return True
    return status_counts(event.id)[RegistrationStatus.CONFIRMED] < event.capacity
