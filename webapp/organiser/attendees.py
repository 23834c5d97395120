"""Attendee lists: counts, search and status filter, keyset pages, registrations per day.

Built for events with 100,000 registrations: pages are read by id from the
(event_id, status, id) index instead of OFFSET, and the number of matches is counted
only up to COUNT_CAP, so no request reads or counts more rows than it must.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from webapp import timezones
from webapp.db import now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.mail.bounces import undeliverable_clause
from webapp.privacy.statistics import KeptStatistics, kept_for
from webapp.registration.availability import waitlist_closes_at
from webapp.registration.models import ACTIVE_STATUSES, Registration, RegistrationStatus

COUNT_CAP = 10_000
CHECKED_IN = "checked_in"
UNDELIVERABLE = "undeliverable"
AWAITING_CONFIRMATION = "awaiting_confirmation"  # held for an unconfirmed email address
STATUS_FILTERS = (
    *(s.value for s in RegistrationStatus),
    CHECKED_IN,
    UNDELIVERABLE,
    AWAITING_CONFIRMATION,
)


@dataclass(frozen=True)
class EventCounts:
    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    checked_in: int = 0
    joined_online: int = 0  # through their personal join link, at least once

    def capacity_left(self, capacity: int | None) -> int | None:
        """Free seats, or None when the event has no limit."""
        return None if capacity is None else max(capacity - self.confirmed, 0)


def kept_counts(kept: KeptStatistics) -> EventCounts:
    """A purged event's kept counts in the shape of the live ones."""
    status = kept.per_status
    return EventCounts(
        confirmed=status.get(RegistrationStatus.CONFIRMED.value, 0),
        waitlisted=status.get(RegistrationStatus.WAITLISTED.value, 0),
        cancelled=status.get(RegistrationStatus.CANCELLED.value, 0),
        checked_in=kept.checked_in,
        joined_online=kept.joined_online,
    )


def counts_for_events(event_ids: list[int]) -> dict[int, EventCounts]:
    """Registrations per status, and confirmed ones checked in, for each event (the kept
    counts for events whose personal data was erased)."""
    if not event_ids:
        return {}
    values: dict[int, dict[str, int]] = {event_id: {} for event_id in event_ids}
    by_status = db.session.execute(
        sa.select(Registration.event_id, Registration.status, sa.func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, count in by_status:
        values[event_id][status.value] = count
    for event_id, count in checked_in_counts(event_ids).items():
        values[event_id][CHECKED_IN] = count
    counts = {event_id: EventCounts(**found) for event_id, found in values.items()}
    counts.update({event_id: kept_counts(k) for event_id, k in kept_for(event_ids).items()})
    return counts


def checked_in_counts(event_ids: list[int]) -> dict[int, int]:
    """Confirmed registrations checked in, per event (reads the check-in index)."""
    rows = db.session.execute(
        sa.select(Registration.event_id, sa.func.count())
        .where(
            Registration.event_id.in_(event_ids),
            Registration.checked_in_at.is_not(None),
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.event_id)
    )
    return {event_id: count for event_id, count in rows}


def _joined(event_id: int) -> int:
    """Registrations that joined the meeting through their join link at least once."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.event_id == event_id, Registration.first_joined_at.is_not(None)
        )
    )


def active_count(event_id: int) -> int:
    """Confirmed plus waitlisted registrations: the people an event change concerns."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )


@dataclass(frozen=True)
class AttendeeFilter:
    """What the organiser searched for: words to find and a status."""

    query: str = ""
    status: str = ""

    @classmethod
    def from_args(cls, args) -> AttendeeFilter:
        """From a query string; unknown statuses mean no filter."""
        status = args.get("status", "")
        return cls(
            query=" ".join(args.get("q", "").split())[:100],
            status=status if status in STATUS_FILTERS else "",
        )

    def as_args(self) -> dict[str, str]:
        """The non-empty parts, for links that keep the filter."""
        return {k: v for k, v in (("q", self.query), ("status", self.status)) if v}


def filtered(event_id: int, wanted: AttendeeFilter) -> sa.Select:
    """Registrations of the event matching the filter; every word must match some field."""
    stmt = sa.select(Registration).where(Registration.event_id == event_id)
    if wanted.status == CHECKED_IN:
        stmt = stmt.where(
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.checked_in_at.is_not(None),
        )
    elif wanted.status == UNDELIVERABLE:
        # The active ones: a cancelled registration needs no more mail.
        stmt = stmt.where(Registration.status.in_(ACTIVE_STATUSES), undeliverable_clause())
    elif wanted.status == AWAITING_CONFIRMATION:
        stmt = stmt.where(
            Registration.hold_expires_at.is_not(None),
            Registration.status != RegistrationStatus.CANCELLED,
        )
    elif wanted.status:
        stmt = stmt.where(Registration.status == RegistrationStatus(wanted.status))
    # One ILIKE over the fields joined by spaces costs less than one per field, and since
    # words hold no spaces a word never matches across two fields.
    searched = (
        Registration.first_name
        + " "
        + Registration.last_name
        + " "
        + Registration.email
        + " "
        + Registration.organisation
    )
    for word in wanted.query.split()[:5]:
        stmt = stmt.where(searched.icontains(word, autoescape=True))
    return stmt


@dataclass(frozen=True)
class AttendeePage:
    items: list[Registration]
    matches: int  # capped at COUNT_CAP + 1, meaning "more than COUNT_CAP"
    older: int | None  # cursor for the next page (older registrations)
    newer: int | None  # cursor for the previous page


def attendee_page(
    event_id: int,
    wanted: AttendeeFilter,
    *,
    per_page: int,
    older: int | None = None,
    newer: int | None = None,
) -> AttendeePage:
    """One page of matching registrations, newest first, after or before a cursor id."""
    base = filtered(event_id, wanted)
    if newer is not None:
        stmt = base.where(Registration.id > newer).order_by(Registration.id)
        items = list(db.session.scalars(stmt.limit(per_page + 1)))
        has_more_newer = len(items) > per_page
        items = items[:per_page][::-1]
        has_more_older = bool(items)
    else:
        stmt = base.order_by(Registration.id.desc())
        if older is not None:
            stmt = stmt.where(Registration.id < older)
        items = list(db.session.scalars(stmt.limit(per_page + 1)))
        has_more_older = len(items) > per_page
        items = items[:per_page]
        has_more_newer = older is not None and bool(items) and _exists_newer(base, items[0].id)
    # A first page that holds every match needs no second scan to count them.
    complete = older is None and newer is None and not has_more_older
    return AttendeePage(
        items=items,
        matches=len(items) if complete else _capped_count(base),
        older=items[-1].id if has_more_older and items else None,
        newer=items[0].id if has_more_newer and items else None,
    )


def _exists_newer(base: sa.Select, first_id: int) -> bool:
    stmt = base.with_only_columns(Registration.id).where(Registration.id > first_id).limit(1)
    return db.session.scalar(stmt) is not None


def _capped_count(base: sa.Select) -> int:
    limited = base.with_only_columns(Registration.id).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(limited))


@dataclass(frozen=True)
class Summary:
    counts: EventCounts
    per_day: list[tuple[date, int]]  # new registrations per day in the event's zone


def summary(event: Event, *, last_days: int = 60) -> Summary:
    """Counts per status and registrations per day, from one pass over the event's rows."""
    per_status: Counter[str] = Counter()
    per_day: Counter[date] = Counter()
    for bucket, status, count in db.session.execute(_bucket_query(event)):
        per_status[status.value] += count
        per_day[_local_day(bucket, event.timezone)] += count
    checked_in = checked_in_counts([event.id]).get(event.id, 0)
    counts = EventCounts(**per_status, checked_in=checked_in, joined_online=_joined(event.id))
    if event.personal_data_purged_at is not None:
        counts = counts_for_events([event.id])[event.id]
    return Summary(counts=counts, per_day=_every_day(per_day, last_days))


def _every_day(per_day: Counter[date], last_days: int) -> list[tuple[date, int]]:
    if not per_day:
        return []
    last = max(per_day)
    first = max(min(per_day), last - timedelta(days=last_days - 1))
    return [
        (first + timedelta(days=n), per_day[first + timedelta(days=n)])
        for n in range((last - first).days + 1)
    ]


def _bucket_query(event: Event) -> sa.Select:
    # PostgreSQL turns instants into local days itself. SQLite has no zone rules: it groups
    # by quarter hour in UTC (every zone's offset is a whole number of quarter hours) and
    # Python moves each quarter into the event's zone.
    created = Registration.created_at
    if db.session.get_bind().dialect.name == "postgresql":
        bucket = sa.func.date(sa.func.timezone(event.timezone, sa.func.timezone("UTC", created)))
    else:
        quarter = sa.cast(sa.func.strftime("%M", created), sa.Integer) // 15 * 15
        hour = sa.func.strftime("%Y-%m-%d %H:", created, type_=sa.String)
        bucket = hour + sa.func.printf("%02d", quarter, type_=sa.String)
    return (
        sa.select(bucket, Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(bucket, Registration.status)
    )


def _local_day(bucket: date | str, zone: str) -> date:
    if isinstance(bucket, date):
        return bucket
    quarter = datetime.fromisoformat(bucket).replace(tzinfo=UTC)
    return timezones.to_local(quarter, zone).date()


def waitlist_closed_at(event: Event, *, now: datetime | None = None) -> str | None:
    """When the published event's waiting list closed (nobody is promoted any more), in
    the event's zone; None while it is open."""
    closes = waitlist_closes_at(event)
    if event.status != EventStatus.PUBLISHED or closes is None or (now or now_utc()) < closes:
        return None
    return timezones.format_instant(closes, event.timezone)
