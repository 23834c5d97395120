"""Each event's public VEVENT, serialised once per event version and stored beside the event.

Why: icalendar serialises a VEVENT in about a millisecond, so a feed of a thousand events
built in a fresh process would spend a second doing so; the goal for the cold feed (bench
`feed_build`, and `feed_rebuild` after one edit) is under 0.1 s. So every event's public
VEVENT (ics.public_entry()) is serialised when the event changes and stored in
calendar_entry, keyed by (event, variant): one variant per language of the site
("public:da"), since a file is written in its URL's language (title and summary from the
event's translation where there is one, fixed words from the catalogue, links to the pages
in that language). A file is then joined from stored bytes (ics.feed_calendar()).

- Written by a session hook (install()): after each flush that inserted or changed an
  Event, by whatever path (create, edit, publish, unpublish, cancel, duplicate, a script),
  the entries of those events in every language are rebuilt from the rows just written and added to the same
  session, so they are committed with the change or not at all. The flush that changed an
  event holds its row lock, so two writers never race on its entry.
- Each entry records what it was built from: the event's version, the entry format and
  icalendar's version (version_key()), and the base URL. The event's version is its
  `updated_at`, which every UPDATE through SQLAlchemy moves (its onupdate) and on which the
  feed's ETag already relies; after a fix in plain SQL, run `flask calendar refresh --all`.
  A change to an event's translation is a change to the event: a hook before the flush
  moves the event's `updated_at`, so its entries, its page and the feed's ETag all follow.
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

from webapp import i18n
from webapp.calendar import ics
from webapp.calendar.models import CalendarEntry
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventText, EventTranslation
from webapp.extensions import db

PUBLIC = "public"
# Raise when public_vevent() writes something else for the same event values.
ENTRY_FORMAT = "3"
# The Event columns a public entry shows (ics.public_vevent() reads them by name).
ENTRY_COLUMNS = (
    Event.id,
    Event.slug,
    Event.title,
    Event.kind,
    Event.summary,
    Event.language,
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
    Event.postponed_at,  # a postponed event's entry is TENTATIVE
)
BATCH = 500
CHANGED_EVENTS = "convene.calendar.changed_events"
# (event id, language) -> (title, summary) of the event's translations.
Translations = dict[tuple[int, str], tuple[str, str]]


def variant(language: str) -> str:
    """The stored variant of the public entry in a language: 'public:da'."""
    return f"{PUBLIC}:{language}"


def version_key(updated_at: datetime) -> str:
    """What a current entry was built from: the entry format, icalendar's version and the
    event's version (its updated_at)."""
    return f"{ENTRY_FORMAT}/{icalendar.__version__}/{updated_at.isoformat()}"


def public_entries(
    condition: sa.ColumnElement[bool], base_url: str, language: str
) -> list[ics.Entry]:
    """The public entries in `language` of the events matching `condition`, in start order:
    the stored ones where current, the others built for this response."""
    language = i18n.supported(language)
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
            sa.and_(CalendarEntry.event_id == Event.id, CalendarEntry.variant == variant(language)),
        )
        .where(condition)
        .order_by(Event.starts_at, Event.id)
    )
    rows = db.session.execute(stmt).all()
    found: list[ics.Entry | None] = [_stored_entry(row, base_url) for row in rows]
    missing = [row for row, entry in zip(rows, found, strict=True) if entry is None]
    if missing:
        built = _build(missing, base_url, language, _translations(db.session, missing))
        found = [entry or built.pop(0) for entry in found]
    return [entry for entry in found if entry is not None]


def _stored_entry(row: sa.Row, base_url: str) -> ics.Entry | None:
    stored = row.entry_vevent is not None and row.entry_base_url == base_url
    if stored and row.entry_version == version_key(row.updated_at):
        tzids = frozenset(row.entry_tzids.split())
        return ics.Entry(row.entry_vevent, tzids, row.start_local.year, row.end_local.year)
    return None


def _translations(session, rows: Iterable[sa.Row]) -> Translations:
    """The title and summary of every translation of these events."""
    ids = sorted({row.id for row in rows})
    found: Translations = {}
    for start in range(0, len(ids), BATCH):
        for event_id, language, title, summary in session.execute(
            sa.select(
                EventTranslation.event_id,
                EventTranslation.language,
                EventTranslation.title,
                EventTranslation.summary,
            ).where(EventTranslation.event_id.in_(ids[start : start + BATCH]))
        ):
            found[(event_id, language)] = (title, summary)
    return found


def _words(row: sa.Row, language: str, translations: Translations) -> EventText:
    """The row's title and summary in `language`, as Event.text_in() chooses them."""
    title, summary = translations.get((row.id, language), ("", ""))
    if title:
        return EventText(title, summary, "", language)
    return EventText(row.title, row.summary, "", row.language)


def _build(
    rows: list[sa.Row], base_url: str, language: str, translations: Translations
) -> list[ics.Entry]:
    """The public entries of these rows in `language`, built now."""
    pages_url = base_url.rstrip("/") + i18n.language_prefix(language)
    with i18n.language(language):
        return [
            ics.public_entry(
                row, base_url, words=_words(row, language, translations), pages_url=pages_url
            )
            for row in rows
        ]


def store_entries(
    session, event_ids: Iterable[int], base_url: str, *, rebuild: bool = False
) -> int:
    """Build and store the public entries, in every language, of these events that are
    missing or out of date (all of them with `rebuild`), in the session's write
    transaction; returns how many."""
    ids, written = sorted(set(event_ids)), 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = session.execute(
            sa.select(*ENTRY_COLUMNS).where(Event.id.in_(chunk)).with_for_update()
        ).all()
        existing = {
            (entry.event_id, entry.variant): entry
            for entry in session.scalars(
                sa.select(CalendarEntry).where(CalendarEntry.event_id.in_(chunk))
            )
        }
        translations = _translations(session, rows)
        for language in i18n.languages():
            stale = [
                row
                for row in rows
                if rebuild
                or not _is_current(existing.get((row.id, variant(language))), row, base_url)
            ]
            for row, built in zip(
                stale, _build(stale, base_url, language, translations), strict=True
            ):
                entry = existing.get((row.id, variant(language)))
                _store(session, row, entry, language, base_url, built)
            written += len(stale)
    return written


def _is_current(entry: CalendarEntry | None, row: sa.Row, base_url: str) -> bool:
    return (
        entry is not None
        and entry.version == version_key(row.updated_at)
        and entry.base_url == base_url
    )


def _store(
    session,
    row: sa.Row,
    entry: CalendarEntry | None,
    language: str,
    base_url: str,
    built: ics.Entry,
) -> None:
    if entry is None:
        entry = CalendarEntry(event_id=row.id, variant=variant(language))
        session.add(entry)
    entry.version, entry.base_url = version_key(row.updated_at), base_url
    entry.tzids, entry.vevent = " ".join(sorted(built.tzids)), built.vevent


def refresh_all(session, base_url: str, *, rebuild: bool = False) -> int:
    """Store every event's current public entries (idempotent); the caller commits."""
    begin_write(session)
    event_ids = session.scalars(sa.select(Event.id).order_by(Event.id)).all()
    return store_entries(session, event_ids, base_url, rebuild=rebuild)


def install(session_factory) -> None:
    """Rebuild the entries of the events each flush inserts or changes (once per factory)."""
    for name, listener in (
        ("before_flush", _touch_translated_events),
        ("after_flush", _note_changed_events),
        ("after_flush_postexec", _store_changed_entries),
    ):
        if not sa.event.contains(session_factory, name, listener):
            sa.event.listen(session_factory, name, listener)


def _touch_translated_events(session, _flush_context, _instances) -> None:
    # A translation's title and summary are part of the event's version (its updated_at).
    touched: set[Event] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Event) and sa.inspect(obj).attrs.translations.history.has_changes():
            touched.add(obj)
        elif isinstance(obj, EventTranslation) and (
            obj not in session.dirty or session.is_modified(obj)
        ):
            event = obj.event if obj.event is not None else session.get(Event, obj.event_id)
            if event is not None:
                touched.add(event)
    for event in touched:
        if event not in session.deleted:
            event.updated_at = now_utc()


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
