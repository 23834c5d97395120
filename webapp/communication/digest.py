"""The organisers' daily digest: yesterday's registrations and cancellations per event.

Days are UTC days: the digest for a day is queued by the first run GRACE after it ends (the
mail worker tries once per day, `flask communication digest` whenever cron calls it) and
covers registrations made or cancelled during it, and during the days since the
organiser's last digest (at most CATCH_UP_DAYS), so a day the worker was down is reported
the next time. An organiser whose events had no such change
gets no digest. The outbox's dedupe key ("digest:<organiser>:<day>") makes it once per
organiser and day, however many runs and workers there are.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import format_date

from webapp import i18n
from webapp.communication import notifications
from webapp.communication.models import NotifyChoice
from webapp.db import begin_write, now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail import notices
from webapp.mail.models import OutboxMessage
from webapp.organiser.models import Organiser
from webapp.registration.models import Registration

NAMES_PER_LIST = 50
# A registration stamped just before midnight may commit just after it: a day is reported
# only once this much has passed since its end.
GRACE = timedelta(minutes=15)
# A worker down for some days catches up on at most this many days.
CATCH_UP_DAYS = 7


def digest_day(now: datetime | None = None) -> date:
    """The last UTC day the digest run at `now` reports on: the one before, once GRACE
    has passed since it ended."""
    return ((now or now_utc()).astimezone(UTC) - GRACE - timedelta(days=1)).date()


def dedupe_key(organiser_id: int, day: date) -> str:
    return f"digest:{organiser_id}:{day.isoformat()}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def queue_digests(*, now: datetime | None = None) -> int:
    """Queue for every organiser who chose it and has news a digest of the UTC days since
    their last one, up to the past day (no commit); returns how many were queued. Digests
    already queued for that day are skipped."""
    begin_write(db.session)  # before reading, so the rows read stay loaded
    day = digest_day(now)
    earliest = day - timedelta(days=CATCH_UP_DAYS - 1)
    start, end = _midnight(earliest), _midnight(day + timedelta(days=1))
    changed = db.session.scalars(
        sa.select(Registration)
        .where(
            # A held place counts once its address is confirmed, an expired one never.
            Registration.hold_expires_at.is_(None),
            sa.or_(
                _joined_at().between(start, end - timedelta(microseconds=1)),
                Registration.cancelled_at.between(start, end - timedelta(microseconds=1)),
            ),
        )
        .order_by(Registration.event_id, Registration.id)
    ).all()
    if not changed:
        return 0
    by_event: dict[int, list[Registration]] = defaultdict(list)
    for registration in changed:
        by_event[registration.event_id].append(registration)
    wanted: dict[int, list[Event]] = defaultdict(list)
    for event_id in by_event:
        event = db.session.get(Event, event_id)
        for organiser_id, choice in notifications.choices_for(event).items():
            if choice == NotifyChoice.DIGEST:
                wanted[organiser_id].append(event)
    queued = 0
    for organiser_id, events in wanted.items():
        first = max(_first_unreported(organiser_id, day), earliest)
        window = (_midnight(first), end)
        sections = [_section(e, by_event[e.id], *window) for e in events]
        sections = [s for s in sections if s.registered or s.cancelled]
        if first <= day and sections:
            queued += _queue_one(organiser_id, first, day, sections)
    return queued


def _first_unreported(organiser_id: int, day: date) -> date:
    """The day after the last one the organiser's digests reported; `day` if none did."""
    prefix = f"digest:{organiser_id}:"
    last = db.session.scalar(
        sa.select(sa.func.max(OutboxMessage.dedupe_key)).where(
            OutboxMessage.dedupe_key.startswith(prefix, autoescape=True)
        )
    )
    if last is None:
        return day
    return date.fromisoformat(last.removeprefix(prefix)) + timedelta(days=1)


def _joined_at() -> sa.ColumnElement:
    """When a registration counts as made: when its address was confirmed, if it was held."""
    return sa.func.coalesce(Registration.email_confirmed_at, Registration.created_at)


def _section(event: Event, registrations: list[Registration], start, end):
    section = notices.DigestSection(event)
    for registration in registrations:
        name = f"{registration.full_name} <{registration.email}>"
        if start <= (registration.email_confirmed_at or registration.created_at) < end:
            section.registered.append(name)
        if registration.cancelled_at is not None and start <= registration.cancelled_at < end:
            section.cancelled.append(name)
    section.registered = _cut(section.registered)
    section.cancelled = _cut(section.cancelled)
    return section


def _cut(names: list[str]) -> list[str]:
    if len(names) <= NAMES_PER_LIST:
        return names
    return [*names[:NAMES_PER_LIST], f"… (+{len(names) - NAMES_PER_LIST})"]


def _queue_one(
    organiser_id: int, first: date, day: date, sections: list[notices.DigestSection]
) -> int:
    key = dedupe_key(organiser_id, day)
    if db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return 0
    organiser = db.session.get(Organiser, organiser_id)
    with i18n.language(i18n.supported(organiser.language)):
        label = format_date(day, "long")
        if first < day:
            label = f"{format_date(first, 'long')} – {label}"
    notices.queue_digest(organiser, label, sections, dedupe_key=key)
    return 1


def run_digests(*, now: datetime | None = None) -> int:
    """Queue and commit the day's digests; a concurrent run that queued some first is no
    error (the dedupe key refuses the copy, and the rest are queued on the retry)."""
    try:
        queued = queue_digests(now=now)
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        queued = queue_digests(now=now)
        db.session.commit()
    return queued


class DailyRun:
    """For a long-running worker: run the digests at its first pass of each UTC day."""

    def __init__(self) -> None:
        self.done_for: date | None = None

    def run_if_due(self, *, now: datetime | None = None) -> int:
        day = digest_day(now)
        if day == self.done_for:
            return 0
        queued = run_digests(now=now)
        self.done_for = day
        return queued
