"""Which events the Atom feed and the sitemap hold, as plain values for the builders."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from webapp import i18n
from webapp.events import services as events
from webapp.events.models import Event, EventKind, EventStatus
from webapp.extensions import db
from webapp.syndication.atom import AtomEntry
from webapp.syndication.sitemap import SitemapPage

FEED_MAX_ENTRIES = 200
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# The public pages besides the events', by path.
LISTING_PATHS = ("/", "/events/past")


def _of_kind(stmt: sa.Select, kind: EventKind | None) -> sa.Select:
    return stmt if kind is None else stmt.where(Event.kind == kind)


def _upcoming(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(Event.ends_at > now, Event.postponed_at.is_not(None))


def feed_events(kind: EventKind | None, now: datetime) -> list[Event]:
    """Published events (not cancelled) that have not ended, soonest first."""
    stmt = sa.select(Event).where(Event.status == EventStatus.PUBLISHED, _upcoming(now))
    stmt = _of_kind(stmt, kind).order_by(Event.starts_at, Event.id).limit(FEED_MAX_ENTRIES)
    return list(db.session.scalars(stmt))


def feed_updated(found: list[Event], kind: EventKind | None, now: datetime) -> datetime:
    """When the feed last changed: an entry's update, or an event leaving it (it ended, was
    cancelled or unpublished: each of those moves the event's updated_at or end)."""
    left = db.session.scalar(
        _of_kind(sa.select(sa.func.max(Event.updated_at)), kind).where(
            sa.or_(Event.status != EventStatus.PUBLISHED, ~_upcoming(now))
        )
    )
    ended = db.session.scalar(
        _of_kind(sa.select(sa.func.max(Event.ends_at)), kind).where(~_upcoming(now))
    )
    moments = [EPOCH, left, ended, *(event.updated_at for event in found)]
    return max(moment for moment in moments if moment is not None)


def next_feed_change(found: list[Event]) -> datetime | None:
    """The next moment an entry leaves the feed by itself (its event ends)."""
    ends = [event.ends_at for event in found if event.postponed_at is None]
    return min(ends, default=None)


def feed_entry(event: Event, base_url: str, language: str) -> AtomEntry:
    """One event as an Atom entry, in `language` where the organiser gave its words."""
    text = event.text_in(language)
    when = events.event_time(event).when
    facts = " · ".join(part for part in (when, events.place_label(event)) if part)
    page_url = events.public_url(event, base_url, language)
    return AtomEntry(
        # Stable whatever the slug or title becomes, and the same in every language's feed.
        id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base_url}/events/id/{event.id}')}",
        title=text.title,
        title_language=text.language,
        url=page_url,
        ics_url=f"{page_url}.ics",
        published=event.created_at,
        updated=event.updated_at,
        summary=facts + (f"\n\n{text.summary}" if text.summary else ""),
        author=event.organiser_name or "Convene",
    )


def _in_every_language(base_url: str, path: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (language, f"{base_url}{i18n.language_prefix(language)}{path}")
        for language in i18n.languages()
    )


def sitemap_pages(base_url: str) -> list[SitemapPage]:
    """The listings and every published event (upcoming and past; cancelled ones and
    drafts are left out), each in every language."""
    pages = [SitemapPage(_in_every_language(base_url, path)) for path in LISTING_PATHS]
    rows = db.session.execute(
        sa.select(Event.slug, Event.updated_at)
        .where(Event.status == EventStatus.PUBLISHED)
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    pages += [
        SitemapPage(_in_every_language(base_url, f"/events/{slug}"), updated_at)
        for slug, updated_at in rows
    ]
    return pages
