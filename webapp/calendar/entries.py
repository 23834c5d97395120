"""Each event's public VEVENT, serialised once per event version and stored beside the event.

Why: icalendar serialises a VEVENT in about a millisecond, so a feed of a thousand events
built in a fresh process would spend a second doing so; the goal for the cold feed (bench
`feed_build`, and `feed_rebuild` after one edit) is under 0.1 s. So every event's public
VEVENT (ics.public_entry()) is serialised when the event changes and stored in
calendar_entry, keyed by (event, variant): "public" today, one variant per language once
feeds are translated. A file is then joined from stored bytes (ics.feed_calendar()).

- Written by a session hook (install()): after each flush that inserted or changed an
  Event, by whatever path (create, edit, publish, unpublish, cancel, duplicate, a script),
  the entries of those events are rebuilt from the rows just written and added to the same
  session, so they are committed with the change or not at all. The flush that changed an
  event holds its row lock, so two writers never race on its entry.
- Each entry records what it was built from: the event's version, the entry format and
  icalendar's version (version_key()), and the base URL. The event's version is its
  `updated_at`, which every UPDATE through SQLAlchemy moves (its onupdate) and on which the
  feed's ETag already relies; after a fix in plain SQL, run `flask calendar refresh --all`.
  (Checking a digest of every value shown would cost a fifth of the cold feed's budget.)
- Readers (the feed, the event file) read each event joined to its entry and use the
  stored bytes only when both match; otherwise they build the entry for that response.
  A GET stores nothing: entries that are missing (events inserted with SQL), stale (a bulk
  UPDATE, which no session hook sees) or of an older format are built on the fly until
  `flask calendar refresh` stores them, and never served stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import icalendar
import sqlalchemy as sa
from flask import current_app

from webapp.calendar import ics
from webapp.calendar.models import CalendarEntry
from webapp.db import begin_write
from webapp.events.models import Event
from webapp.extensions import db

PUBLIC = "public"
# Raise when public_vevent() writes something else for the same event values.
ENTRY_FORMAT = "2"
# The Event columns a public entry shows (ics.public_vevent() reads them by name).
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
BATCH = 500
CHANGED_EVENTS = "convene.calendar.changed_events"


def version_key(updated_at: datetime) -> str:
    """What a current entry was built from: the entry format, icalendar's version and the
    event's version (its updated_at)."""
    return f"{ENTRY_FORMAT}/{icalendar.__version__}/{updated_at.isoformat()}"


def public_entries(condition: sa.ColumnElement[bool], base_url: str) -> list[ics.Entry]:
    """The public entries of the events matching `condition`, in start order: the stored
    ones where current, the others built for this response."""
    stmt = (
        sa.select(
            *ENTRY_COLUMNS,
            CalendarEntry.version.label("entry_version"),
            CalendarEntry.base_url.label("entry_base_url"),
            CalendarEntry.tzids.label("entry_tzids"),
            CalendarEntry.vevent.label("entry_vevent"),
        )
        .outerjoin(
            CalendarEntry,
            sa.and_(CalendarEntry.event_id == Event.id, CalendarEntry.variant == PUBLIC),
        )
        .where(condition)
        .order_by(Event.starts_at, Event.id)
    )
    return [_current_entry(row, base_url) for row in db.session.execute(stmt)]


def _current_entry(row: sa.Row, base_url: str) -> ics.Entry:
    stored = row.entry_vevent is not None and row.entry_base_url == base_url
    if stored and row.entry_version == version_key(row.updated_at):
        tzids = frozenset(row.entry_tzids.split())
        return ics.Entry(row.entry_vevent, tzids, row.start_local.year, row.end_local.year)
    return ics.public_entry(row, base_url)


def store_entries(
    session, event_ids: Iterable[int], base_url: str, *, rebuild: bool = False
) -> int:
    """Build and store the public entries of these events that are missing or out of date
    (all of them with `rebuild`), in the session's write transaction; returns how many."""
    ids, written = sorted(set(event_ids)), 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = session.execute(
            sa.select(*ENTRY_COLUMNS).where(Event.id.in_(chunk)).with_for_update()
        ).all()
        existing = {
            entry.event_id: entry
            for entry in session.scalars(
                sa.select(CalendarEntry).where(
                    CalendarEntry.event_id.in_(chunk), CalendarEntry.variant == PUBLIC
                )
            )
        }
        for row in rows:
            entry = existing.get(row.id)
            if rebuild or not _is_current(entry, row, base_url):
                _store(session, row, entry, base_url)
                written += 1
    return written


def _is_current(entry: CalendarEntry | None, row: sa.Row, base_url: str) -> bool:
    return (
        entry is not None
        and entry.version == version_key(row.updated_at)
        and entry.base_url == base_url
    )


def _store(session, row: sa.Row, entry: CalendarEntry | None, base_url: str) -> None:
    if entry is None:
        entry = CalendarEntry(event_id=row.id, variant=PUBLIC)
        session.add(entry)
    built = ics.public_entry(row, base_url)
    entry.version, entry.base_url = version_key(row.updated_at), base_url
    entry.tzids, entry.vevent = " ".join(sorted(built.tzids)), built.vevent


def refresh_all(session, base_url: str, *, rebuild: bool = False) -> int:
    """Store every event's current public entry (idempotent); the caller commits."""
    begin_write(session)
    event_ids = session.scalars(sa.select(Event.id).order_by(Event.id)).all()
    return store_entries(session, event_ids, base_url, rebuild=rebuild)


def install(session_factory) -> None:
    """Rebuild the entries of the events each flush inserts or changes (once per factory)."""
    for name, listener in (
        ("after_flush", _note_changed_events),
        ("after_flush_postexec", _store_changed_entries),
    ):
        if not sa.event.contains(session_factory, name, listener):
            sa.event.listen(session_factory, name, listener)


def _note_changed_events(session, _flush_context) -> None:
    # The flush has run (new events have ids) but new, dirty and deleted still say what it
    # did; a co-organiser added is not a change to the entry.
    changed = {
        obj.id
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Event)
        and obj not in session.deleted
        and (obj in session.new or session.is_modified(obj, include_collections=False))
    }
    if changed:
        session.info.setdefault(CHANGED_EVENTS, set()).update(changed)


def _store_changed_entries(session, _flush_context) -> None:
    # Entries added here are flushed with the rest of the transaction (commit flushes
    # until the session is clean).
    changed = session.info.pop(CHANGED_EVENTS, None)
    if changed:
        store_entries(session, changed, current_app.config["CONVENE_BASE_URL"])
