"""Whether an event accepts registrations now, and how many seats are left."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from webapp.db import now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus


class RegistrationState(enum.StrEnum):
    OPEN = "open"
    WAITING_LIST = "waiting_list"  # full, new registrations join the waiting list
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    ENDED = "ended"  # the event has taken place
    UNAVAILABLE = "unavailable"  # draft
    POSTPONED = "postponed"  # date to be announced: registration waits for the new date

    @property
    def accepts_registrations(self) -> bool:
        return self in (RegistrationState.OPEN, RegistrationState.WAITING_LIST)

    @property
    def event_over(self) -> bool:
        """Cancelled or taken place: pages show that instead of seats or registration."""
        return self in (RegistrationState.CANCELLED, RegistrationState.ENDED)


@dataclass(frozen=True)
class ModeSeats:
    """One attendance mode's seats at a hybrid event."""

    confirmed: int
    waitlisted: int
    capacity: int | None
    seats_left: int | None  # None: unlimited


@dataclass(frozen=True)
class Availability:
    state: RegistrationState
    confirmed: int  # at a hybrid event: in the room (`online` holds the online figures)
    waitlisted: int
    seats_left: int | None  # None: unlimited
    opens_at: datetime | None
    closes_at: datetime
    online: ModeSeats | None = None  # hybrid events only

    @property
    def seats_shown(self) -> int | None:
        """The free seats to show people: none when unlimited or once the event is over."""
        return None if self.state.event_over else self.seats_left

    @property
    def online_seats_shown(self) -> int | None:
        """Free online seats of a hybrid event to show, like seats_shown."""
        if self.online is None or self.state.event_over:
            return None
        return self.online.seats_left

    @property
    def room_full_online_free(self) -> bool:
        """A hybrid event whose room is full while online seats are free."""
        return self.online is not None and self.seats_left == 0 and self.online.seats_left != 0


def free_seats(capacity: int | None, confirmed: int) -> int | None:
    """The one free-seats formula: None for unlimited capacity."""
    return None if capacity is None else max(capacity - confirmed, 0)


def offered(seats: ModeSeats) -> ModeSeats:
    """The seats offered to newcomers: none while anyone waits in the mode. Before the
    waiting-list cut-off a free seat goes to the first waiting at once, so this only bites
    after it: a seat freed then stays with those waiting (an organiser may give it), and a
    newcomer does not overtake them."""
    return replace(seats, seats_left=0) if seats.waitlisted and seats.seats_left else seats


def capacity_of(event: Event, mode: AttendanceMode) -> int | None:
    """The seats a registration in `mode` competes for: a hybrid event's room or online
    seats, else the event's one capacity."""
    if event.is_hybrid and mode == AttendanceMode.ONLINE:
        return event.online_capacity
    return event.capacity


def same_pool(event: Event, mode: AttendanceMode) -> tuple:
    """The conditions that pick the registrations sharing `mode`'s seats and waiting list."""
    if event.is_hybrid:
        return (Registration.event_id == event.id, Registration.attendance_mode == mode)
    return (Registration.event_id == event.id,)


def event_modes(event: Event) -> tuple[AttendanceMode, ...]:
    """The modes with their own seats: both at a hybrid event, else the one pool."""
    if event.is_hybrid:
        return (AttendanceMode.IN_PERSON, AttendanceMode.ONLINE)
    return (AttendanceMode.IN_PERSON,)


def waitlist_closes_at(event: Event) -> datetime | None:
    """No promotion from the waiting list from this instant on (WAITLIST_PROMOTION_CUTOFF
    minutes before the start): nobody is promoted into an event they can no longer reach.
    None while the event is postponed: its old start no longer holds, so nothing closes."""
    if event.postponed_at is not None:
        return None
    return event.starts_at - timedelta(minutes=current_app.config["WAITLIST_PROMOTION_CUTOFF"])


def waitlist_closed(event: Event, now: datetime) -> bool:
    """Whether the waiting-list cut-off has passed at `now`."""
    closes = waitlist_closes_at(event)
    return closes is not None and now >= closes


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


def confirmed_up_to(
    event: Event, limit: int, mode: AttendanceMode = AttendanceMode.IN_PERSON
) -> int:
    """Confirmed registrations in `mode`'s pool, counted no further than `limit` (cheap when
    full)."""
    confirmed = (
        sa.select(Registration.id)
        .where(*same_pool(event, mode), Registration.status == RegistrationStatus.CONFIRMED)
        .limit(limit)
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(confirmed)) or 0


def seats_left(event: Event, mode: AttendanceMode = AttendanceMode.IN_PERSON) -> int | None:
    """Free seats of `mode` (None: unlimited); reads at most `capacity` index entries."""
    capacity = capacity_of(event, mode)
    if capacity is None:
        return None
    return free_seats(capacity, confirmed_up_to(event, capacity, mode))


def registration_state(
    event: Event,
    *,
    mode: AttendanceMode = AttendanceMode.IN_PERSON,
    now: datetime | None = None,
) -> tuple[RegistrationState, int | None]:
    """The state and the free seats of `mode` a newcomer may take: what a registration
    decision needs. Past the waiting-list cut-off a free seat is not for a newcomer while
    anyone waits in the mode (see offered())."""
    now = now or now_utc()
    free = seats_left(event, mode)
    if free and waitlist_closed(event, now) and anyone_waiting(event, mode):
        free = 0
    return _state(event, now, full=free == 0), free


def anyone_waiting(event: Event, mode: AttendanceMode) -> bool:
    """Whether the waiting list of `mode`'s pool has anyone on it."""
    waiting = sa.select(Registration.id).where(
        *same_pool(event, mode), Registration.status == RegistrationStatus.WAITLISTED
    )
    return bool(db.session.scalar(sa.select(waiting.exists())))


def window_state(event: Event, *, now: datetime | None = None) -> RegistrationState:
    """The state as far as the event and the clock decide it, without counting seats: enough
    to tell whether a form may be shown or taken (a full event still takes registrations,
    onto its waiting list); register() decides seats under the event's lock."""
    return _state(event, now or now_utc(), full=False)


def event_over(event: Event, *, now: datetime | None = None) -> RegistrationState | None:
    """CANCELLED or ENDED when the event is over (for good, whatever its seats), else None."""
    if event.status == EventStatus.CANCELLED:
        return RegistrationState.CANCELLED
    if event.status == EventStatus.PUBLISHED and event.postponed_at is not None:
        return None  # its old date passing does not make it over
    if event.status == EventStatus.PUBLISHED and (now or now_utc()) >= event.ends_at:
        return RegistrationState.ENDED
    return None


def _state(event: Event, now: datetime, *, full: bool) -> RegistrationState:
    over = event_over(event, now=now)
    if over is not None:
        return over
    if event.status != EventStatus.PUBLISHED:
        return RegistrationState.UNAVAILABLE
    if event.postponed_at is not None:
        return RegistrationState.POSTPONED
    if event.registration_opens_at and now < event.registration_opens_at:
        return RegistrationState.NOT_YET_OPEN
    if now >= event.closes_at:
        return RegistrationState.CLOSED
    if full:
        return RegistrationState.WAITING_LIST
    return RegistrationState.OPEN


def availability(event: Event, *, now: datetime | None = None) -> Availability:
    """Whether and how one can register for the event right now, with the counts to show."""
    if event.is_hybrid:
        return _hybrid_availability(event, now or now_utc())
    counts = status_counts(event.id)
    seats = offered(
        ModeSeats(
            confirmed=counts[RegistrationStatus.CONFIRMED],
            waitlisted=counts[RegistrationStatus.WAITLISTED],
            capacity=event.capacity,
            seats_left=free_seats(event.capacity, counts[RegistrationStatus.CONFIRMED]),
        )
    )
    return Availability(
        state=_state(event, now or now_utc(), full=seats.seats_left == 0),
        confirmed=seats.confirmed,
        waitlisted=seats.waitlisted,
        seats_left=seats.seats_left,
        opens_at=event.registration_opens_at,
        closes_at=event.closes_at,
    )


def mode_seats(event: Event) -> dict[AttendanceMode, ModeSeats]:
    """A hybrid event's seats per mode, from one query."""
    rows = db.session.execute(
        sa.select(Registration.attendance_mode, Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.attendance_mode, Registration.status)
    )
    counts = {(mode, status): count for mode, status, count in rows}
    return {mode: seats_from(event, mode, counts) for mode in AttendanceMode}


def hybrid_seats(events: list[Event]) -> dict[int, dict[AttendanceMode, ModeSeats]]:
    """Seats per mode of the hybrid events among `events`, from one query (none when there
    is no hybrid event): for listings."""
    hybrid = {event.id: event for event in events if event.is_hybrid}
    if not hybrid:
        return {}
    rows = db.session.execute(
        sa.select(
            Registration.event_id,
            Registration.attendance_mode,
            Registration.status,
            sa.func.count(),
        )
        .where(
            Registration.event_id.in_(hybrid),
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .group_by(Registration.event_id, Registration.attendance_mode, Registration.status)
    )
    counts: dict[int, dict[tuple, int]] = {event_id: {} for event_id in hybrid}
    for event_id, mode, status, count in rows:
        counts[event_id][(mode, status)] = count
    return {
        event_id: {mode: seats_from(event, mode, counts[event_id]) for mode in AttendanceMode}
        for event_id, event in hybrid.items()
    }


def offered_hybrid_seats(events: list[Event]) -> dict[int, dict[AttendanceMode, ModeSeats]]:
    """hybrid_seats() as offered to newcomers (see offered()): for the public listing."""
    return {
        event_id: {mode: offered(seats) for mode, seats in modes.items()}
        for event_id, modes in hybrid_seats(events).items()
    }


def seats_from(event: Event, mode: AttendanceMode, counts: dict[tuple, int]) -> ModeSeats:
    """ModeSeats of `mode` from counts keyed by (mode, status)."""
    confirmed = counts.get((mode, RegistrationStatus.CONFIRMED), 0)
    capacity = capacity_of(event, mode)
    return ModeSeats(
        confirmed=confirmed,
        waitlisted=counts.get((mode, RegistrationStatus.WAITLISTED), 0),
        capacity=capacity,
        seats_left=free_seats(capacity, confirmed),
    )


def _hybrid_availability(event: Event, now: datetime) -> Availability:
    seats = mode_seats(event)
    room, online = offered(seats[AttendanceMode.IN_PERSON]), offered(seats[AttendanceMode.ONLINE])
    # The waiting list only once both modes are full: anyone may still take an online seat.
    full = room.seats_left == 0 and online.seats_left == 0
    return Availability(
        state=_state(event, now, full=full),
        confirmed=room.confirmed,
        waitlisted=room.waitlisted,
        seats_left=room.seats_left,
        opens_at=event.registration_opens_at,
        closes_at=event.closes_at,
        online=online,
    )


def availabilities(events: list[Event], *, now: datetime | None = None) -> dict[int, Availability]:
    """availability() of each of `events`, from one query: for listings (the API's)."""
    if not events:
        return {}
    hybrid = {event.id: event.is_hybrid for event in events}
    rows = db.session.execute(
        sa.select(
            Registration.event_id,
            Registration.attendance_mode,
            Registration.status,
            sa.func.count(),
        )
        .where(
            Registration.event_id.in_(list(hybrid)),
            Registration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)),
        )
        .group_by(Registration.event_id, Registration.attendance_mode, Registration.status)
    )
    counts: dict[int, dict[tuple, int]] = {event_id: {} for event_id in hybrid}
    for event_id, mode, status, count in rows:
        # Outside hybrid events every registration shares the one pool, whatever its mode.
        key = (mode if hybrid[event_id] else AttendanceMode.IN_PERSON, status)
        counts[event_id][key] = counts[event_id].get(key, 0) + count
    now = now or now_utc()
    return {event.id: _from_counts(event, counts[event.id], now) for event in events}


def _from_counts(event: Event, counts: dict[tuple, int], now: datetime) -> Availability:
    """Availability from registration counts keyed by (mode, status), as availability()."""
    room = offered(seats_from(event, AttendanceMode.IN_PERSON, counts))
    online = offered(seats_from(event, AttendanceMode.ONLINE, counts)) if event.is_hybrid else None
    full = room.seats_left == 0 and (online is None or online.seats_left == 0)
    return Availability(
        state=_state(event, now, full=full),
        confirmed=room.confirmed,
        waitlisted=room.waitlisted,
        seats_left=room.seats_left,
        opens_at=event.registration_opens_at,
        closes_at=event.closes_at,
        online=online,
    )


def has_free_seat(event: Event, mode: AttendanceMode = AttendanceMode.IN_PERSON) -> bool:
    """Whether one more registration in `mode` could be confirmed (aside from the window)."""
    return seats_left(event, mode) != 0


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list of the registration's mode; None unless
    waitlisted."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            *same_pool(registration.event, registration.attendance_mode),
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.id <= registration.id,
        )
    )
