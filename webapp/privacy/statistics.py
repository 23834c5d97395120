"""An event's anonymous counts: taken before its registrations are erased, read after."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from webapp.db import begin_write
from webapp.extensions import db
from webapp.privacy.models import EventStatistics
from webapp.registration.models import Registration, RegistrationStatus


def snapshot(event_id: int) -> int:
    """Store the event's registrations counted per status, mode, country, check-in and
    online attendance; the caller holds the event's lock. Returns the registrations counted."""
    begin_write(db.session)
    traits = (
        sa.type_coerce(Registration.status, sa.String),
        sa.type_coerce(Registration.attendance_mode, sa.String),
        Registration.country,
        Registration.checked_in_at.is_not(None),
        Registration.first_joined_at.is_not(None),
    )
    rows = db.session.execute(
        sa.select(*traits, sa.func.count())
        .where(Registration.event_id == event_id)
        .group_by(*traits)
    ).all()
    # A snapshot taken again replaces the earlier one.
    db.session.execute(sa.delete(EventStatistics).where(EventStatistics.event_id == event_id))
    for status, mode, country, checked_in, joined, count in rows:
        db.session.add(
            EventStatistics(
                event_id=event_id,
                status=status,
                attendance_mode=mode,
                country=country or "",
                checked_in=bool(checked_in),
                joined_online=bool(joined),
                count=count,
            )
        )
    return sum(row[-1] for row in rows)


@dataclass(frozen=True)
class KeptStatistics:
    """The counts kept for a purged event, ready to show."""

    per_status: dict[str, int] = field(default_factory=dict)
    per_mode: dict[str, int] = field(default_factory=dict)
    per_country: list[tuple[str, int]] = field(default_factory=list)  # largest first
    checked_in: int = 0  # confirmed registrations checked in
    joined_online: int = 0

    @property
    def total(self) -> int:
        return sum(self.per_status.values())


def kept_for(event_ids: list[int]) -> dict[int, KeptStatistics]:
    """The kept counts of each of these events that has any."""
    if not event_ids:
        return {}
    rows = db.session.scalars(
        sa.select(EventStatistics).where(EventStatistics.event_id.in_(event_ids))
    )
    grouped: dict[int, list[EventStatistics]] = {}
    for row in rows:
        grouped.setdefault(row.event_id, []).append(row)
    return {event_id: _summarise(found) for event_id, found in grouped.items()}


def _summarise(rows: list[EventStatistics]) -> KeptStatistics:
    status: Counter[str] = Counter()
    mode: Counter[str] = Counter()
    country: Counter[str] = Counter()
    checked_in = joined = 0
    for row in rows:
        status[row.status] += row.count
        mode[row.attendance_mode] += row.count
        country[row.country] += row.count
        if row.checked_in and row.status == RegistrationStatus.CONFIRMED.value:
            checked_in += row.count
        joined += row.count if row.joined_online else 0
    return KeptStatistics(
        per_status=dict(status),
        per_mode=dict(mode),
        per_country=sorted(country.items(), key=lambda item: (-item[1], item[0])),
        checked_in=checked_in,
        joined_online=joined,
    )
