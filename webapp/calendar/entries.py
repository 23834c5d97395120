"""Each event's public VEVENT, serialised once per event version and stored beside the event.

Why: icalendar serialises a VEVENT in a fraction of a millisecond, but a feed of a thousand
events built in a fresh process would spend most of its time doing so; the goal for the
cold feed (bench `feed_build`, and `feed_rebuild` after one edit) is under 0.1 s. So every
event's public VEVENT (ics.public_entry()) is serialised when the event changes and stored
in calendar_entry, keyed by (event, variant): "public" today, one variant per language once
feeds are translated. A file is then joined from stored bytes (ics.feed_calendar()).

- Written by a session hook (install()): after each flush that inserted or changed an
  Event, by whatever path (create, edit, publish, unpublish, cancel, duplicate, a script),
  the entries of those events are rebuilt from the rows just written and added to the same
  session, so they are committed with the change or not at all. The flush that changed an
  event holds its row lock, so two writers never race on its entry.
- Each entry records what it was built from: a digest of the values it shows
  (ENTRY_COLUMNS), of the entry format and of icalendar's version, and the base URL.
  Readers (the feed, the event file) read each event joined to its entry and use the
  stored bytes only when both match; otherwise they build the entry for that response.
  A GET stores nothing: entries written outside the ORM (bulk loads) or of an older format
  are built on the fly until `flask calendar refresh` stores them, never served stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

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


def version_key(values: Sequence) -> str:
    """A digest of an event's ENTRY_COLUMNS values, the entry format and icalendar's version."""
    key = repr((ENTRY_FORMAT, icalendar.__version__, tuple(values)))
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


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
    if stored and row.entry_version == version_key(row[: len(ENTRY_COLUMNS)]):
        tzids = frozenset(row.entry_tzids.split())
        return ics.Entry(row.entry_vevent, tzids, row.start_local.year, row.end_local.year)
    return ics.public_entry(row, base_url)


def store_entries(session, event_ids: Iterable[int], base_url: str) -> int:
    """Build and store the public entries of these events that are missing or out of date,
    in the session's write transaction; returns how many were written."""
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
            written += _store(session, row, existing.get(row.id), base_url)
    return written


def _store(session, row: sa.Row, entry: CalendarEntry | None, base_url: str) -> bool:
    version = version_key(row)
    if entry is not None and entry.version == version and entry.base_url == base_url:
        return False
    if entry is None:
        entry = CalendarEntry(event_id=row.id, variant=PUBLIC)
        session.add(entry)
    built = ics.public_entry(row, base_url)
    entry.version, entry.base_url, entry.vevent = version, base_url, built.vevent
    entry.tzids = " ".join(sorted(built.tzids))
    return True


def refresh_all(session, base_url: str) -> int:
    """Store every event's current public entry (idempotent); the caller commits."""
    begin_write(session)
    event_ids = session.scalars(sa.select(Event.id).order_by(Event.id)).all()
    return store_entries(session, event_ids, base_url)


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
