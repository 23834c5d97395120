"""The subscribable feed: which events it holds, and a cheap validator.

The feed holds published and cancelled events that have not ended, plus those that ended
in the past 90 days, so an entry does not vanish from subscribers' calendars the moment
it is over. A feed of a thousand events takes a while to serialise, so:
- `feed_version()` answers "has anything changed?" with one aggregate query (count of
  the feed's events, the latest `updated_at` of any event, the latest moment an event
  left the 90-day window). ETag and Last-Modified come from it, so a conditional request
  is answered 304 without loading a single event.
- the built bytes are kept per version and language (a new version is a new key, so a
  stale file is never served), in the application's caches (webapp/caching.py, one per
  process). The version does not depend on the language; the ETag the views send does.
- Each event's VEVENT is stored serialised per event version (entries.py), so building the
  file, even in a fresh process, joins stored bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from webapp.caching import memoised
from webapp.calendar import entries, ics
from webapp.db import now_utc
from webapp.events.models import Event, EventKind
from webapp.events.services import PUBLIC_STATUSES
from webapp.extensions import db

WINDOW = timedelta(days=90)
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


def _in_window(cutoff: datetime) -> sa.ColumnElement[bool]:
    # A postponed event stays in the feed: its old end no longer says when it is over.
    return sa.or_(Event.ends_at > cutoff, Event.postponed_at.is_not(None))


def _in_feed(kind: EventKind | None, cutoff: datetime) -> sa.ColumnElement[bool]:
    condition = sa.and_(Event.status.in_(PUBLIC_STATUSES), _in_window(cutoff))
    return condition if kind is None else sa.and_(condition, Event.kind == kind)


def _left_window(kind: EventKind | None, cutoff: datetime) -> sa.ColumnElement[bool]:
    condition = sa.and_(Event.status.in_(PUBLIC_STATUSES), ~_in_window(cutoff))
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
            sa.select(sa.func.min(Event.ends_at)).where(
                _in_feed(kind, now - WINDOW), Event.postponed_at.is_(None)
            )
        )
        return feed_version(kind, now=now), next_exit + WINDOW if next_exit else None

    return memoised(("feed-version", kind), compute)


def feed_entries(
    kind: EventKind | None, base_url: str, language: str, *, now: datetime | None = None
) -> list[ics.Entry]:
    """The feed's entries (ics.Entry) in `language` and start order, stored ones wherever
    current."""
    cutoff = (now or now_utc()) - WINDOW
    return entries.public_entries(_in_feed(kind, cutoff), base_url, language)
