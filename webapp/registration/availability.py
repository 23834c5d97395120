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
    ENDED = "ended"  # the event has taken place
    UNAVAILABLE = "unavailable"  # draft

    @property
    def accepts_registrations(self) -> bool:
        return self in (RegistrationState.OPEN, RegistrationState.WAITING_LIST)

    @property
    def event_over(self) -> bool:
        """Cancelled or taken place: pages show that instead of seats or registration."""
        return self in (RegistrationState.CANCELLED, RegistrationState.ENDED)


@dataclass(frozen=True)
class Availability:
    state: RegistrationState
    confirmed: int
    waitlisted: int
    seats_left: int | None  # None: unlimited
    opens_at: datetime | None
    closes_at: datetime

    @property
    def seats_shown(self) -> int | None:
        """The free seats to show people: none when unlimited or once the event is over."""
        return None if self.state.event_over else self.seats_left


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


def confirmed_up_to(event_id: int, limit: int) -> int:
    """Confirmed registrations of the event, counted no further than `limit` (cheap when full)."""
    confirmed = (
        sa.select(Registration.id)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .limit(limit)
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(confirmed)) or 0


def seats_left(event: Event) -> int | None:
    """Free seats, or None for unlimited capacity; reads at most `capacity` index entries."""
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed_up_to(event.id, event.capacity), 0)


def registration_state(
    event: Event, *, now: datetime | None = None
) -> tuple[RegistrationState, int | None]:
    """The state and the free seats: what a registration decision needs, and nothing more."""
    free = seats_left(event)
    return _state(event, now or now_utc(), free), free


def window_state(event: Event, *, now: datetime | None = None) -> RegistrationState:
    """The state as far as the event and the clock decide it, without counting seats: enough
    to tell whether a form may be shown or taken (a full event still takes registrations,
    onto its waiting list); register() decides seats under the event's lock."""
    return _state(event, now or now_utc(), None)


def event_over(event: Event, *, now: datetime | None = None) -> RegistrationState | None:
    """CANCELLED or ENDED when the event is over (for good, whatever its seats), else None."""
    if event.status == EventStatus.CANCELLED:
        return RegistrationState.CANCELLED
    if event.status == EventStatus.PUBLISHED and (now or now_utc()) >= event.ends_at:
        return RegistrationState.ENDED
    return None


def _state(event: Event, now: datetime, free: int | None) -> RegistrationState:
    over = event_over(event, now=now)
    if over is not None:
        return over
    if event.status != EventStatus.PUBLISHED:
        return RegistrationState.UNAVAILABLE
    if event.registration_opens_at and now < event.registration_opens_at:
        return RegistrationState.NOT_YET_OPEN
    if now >= event.closes_at:
        return RegistrationState.CLOSED
    if free == 0:
        return RegistrationState.WAITING_LIST
    return RegistrationState.OPEN


def availability(event: Event, *, now: datetime | None = None) -> Availability:
    """Whether and how one can register for the event right now, with the counts to show."""
    counts = status_counts(event.id)
    confirmed = counts[RegistrationStatus.CONFIRMED]
    free = None if event.capacity is None else max(event.capacity - confirmed, 0)
    return Availability(
        state=_state(event, now or now_utc(), free),
        confirmed=confirmed,
        waitlisted=counts[RegistrationStatus.WAITLISTED],
        seats_left=free,
        opens_at=event.registration_opens_at,
        closes_at=event.closes_at,
    )


def has_free_seat(event: Event) -> bool:
    """Whether one more registration could be confirmed (capacity aside from the window)."""
    return seats_left(event) != 0


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None unless waitlisted."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.id <= registration.id,
        )
    )
