"""The subscribable feed: which events it holds, and a cheap validator.

The feed holds published and cancelled events that have not ended, plus those that ended
in the past 90 days, so an entry does not vanish from subscribers' calendars the moment
it is over. A feed of a thousand events takes a while to serialise, so:
- `feed_version()` answers "has anything changed?" with one aggregate query (count of
  the feed's events, the latest `updated_at` of any event, the latest moment an event
  left the 90-day window). ETag and Last-Modified come from it, so a conditional request
  is answered 304 without loading a single event.
- the built bytes are kept per version (a new version is a new key, so a stale file is
  never served), and each event's serialised VEVENT per event version, so the rebuild
  after an edit serialises only what changed: both in the application's caches
  (webapp/caching.py, one set per process).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from webapp.caching import memoised
from webapp.db import now_utc
from webapp.events.models import Event, EventKind
from webapp.events.services import PUBLIC_STATUSES
from webapp.extensions import db

WINDOW = timedelta(days=90)
# The Event columns a feed entry shows (webapp.calendar.ics.public_entry).
ENTRY_COLUMNS = (
    Event.id,
    Event.slug,
    Event.title,
    Event.kind,
    Event.summary,
    Event.start_local,
    Event.end_local,
    Event.timezone,
    Event.starts_at,
    Event.ends_at,
    Event.format,
    Event.venue_name,
    Event.address,
    Event.city,
    Event.country,
    Event.status,
    Event.created_at,
    Event.updated_at,
    Event.sequence,
)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedVersion:
    """What identifies one state of the feed for a kind filter."""

    kind: EventKind | None
    count: int
    last_changed: datetime | None
    window_edge: datetime | None

    @property
    def last_modified(self) -> datetime:
        """When the feed's content last changed, to the second (HTTP dates have no more)."""
        moments = [EPOCH, self.last_changed, self.window_edge]
        return max(m for m in moments if m is not None).replace(microsecond=0)

    @property
    def etag(self) -> str:
        """An opaque tag for this version (weak: DTSTAMP differs between builds)."""
        key = f"{self.kind}|{self.count}|{self.last_changed}|{self.window_edge}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]


def _in_feed(kind: EventKind | None, cutoff: datetime) -> sa.ColumnElement[bool]:
    condition = sa.and_(Event.status.in_(PUBLIC_STATUSES), Event.ends_at > cutoff)
    return condition if kind is None else sa.and_(condition, Event.kind == kind)


def _left_window(kind: EventKind | None, cutoff: datetime) -> sa.ColumnElement[bool]:
    condition = sa.and_(Event.status.in_(PUBLIC_STATUSES), Event.ends_at <= cutoff)
    return condition if kind is None else sa.and_(condition, Event.kind == kind)


def feed_version(kind: EventKind | None, *, now: datetime | None = None) -> FeedVersion:
    """The feed's validator, from one aggregate query over the event table."""
    cutoff = (now or now_utc()) - WINDOW
    count, last_changed, last_left = db.session.execute(
        sa.select(
            sa.func.count(sa.case((_in_feed(kind, cutoff), Event.id))),
            sa.func.max(Event.updated_at),
            sa.func.max(sa.case((_left_window(kind, cutoff), Event.ends_at))),
        )
    ).one()
    window_edge = last_left + WINDOW if last_left is not None else None
    return FeedVersion(kind, count, last_changed, window_edge)


def current_feed_version(kind: EventKind | None) -> FeedVersion:
    """feed_version() for now, reused until anything is committed or an event leaves the
    90-day window, so a conditional request costs no query over the event table."""

    def compute() -> tuple[FeedVersion, datetime | None]:
        now = now_utc()
        next_exit = db.session.scalar(
            sa.select(sa.func.min(Event.ends_at)).where(_in_feed(kind, now - WINDOW))
        )
        return feed_version(kind, now=now), next_exit + WINDOW if next_exit else None

    return memoised(("feed-version", kind), compute)


def feed_events(kind: EventKind | None, *, now: datetime | None = None) -> list[sa.Row]:
    """The feed's events in start order, as rows of ENTRY_COLUMNS: read like Event objects
    by public_entry(), without the cost of mapping a thousand of them."""
    cutoff = (now or now_utc()) - WINDOW
    stmt = (
        sa.select(*ENTRY_COLUMNS).where(_in_feed(kind, cutoff)).order_by(Event.starts_at, Event.id)
    )
    return list(db.session.execute(stmt))
