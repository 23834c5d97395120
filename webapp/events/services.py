"""Queries and presentation values for the public catalogue."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

import markdown
import nh3
import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup

from webapp import i18n, search, timezones
from webapp.db import now_utc
from webapp.events.models import Event, EventFormat, EventKind, EventStatus, EventText
from webapp.extensions import db

PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)
# What each kind is called: as a label ("Webinar"), a heading for several ("Webinars"),
# and several inside a sentence ("webinars"; German nouns keep their capital).
KIND_NAMES = {
    EventKind.SUMMIT: _l("Summit"),
    EventKind.WEBINAR: _l("Webinar"),
    EventKind.WORKSHOP: _l("Workshop"),
    EventKind.CONFERENCE: _l("Conference"),
}
KIND_PLURALS = {
    EventKind.SUMMIT: _l("Summits"),
    EventKind.WEBINAR: _l("Webinars"),
    EventKind.WORKSHOP: _l("Workshops"),
    EventKind.CONFERENCE: _l("Conferences"),
}
KIND_PLURALS_IN_SENTENCE = {
    EventKind.SUMMIT: _l("summits"),
    EventKind.WEBINAR: _l("webinars"),
    EventKind.WORKSHOP: _l("workshops"),
    EventKind.CONFERENCE: _l("conferences"),
}
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
}


@dataclass(frozen=True)
class EventTime:
    """An event's time, ready to show."""

    when: str  # "Sun 28 Feb 2027, 18:00–19:30 CET" or "23–25 Nov 2027"
    daily_hours: str  # for multi-day events: "09:00 CET – 17:00 CET"; empty otherwise
    abbreviation: str
    utc_offset: str
    starts_iso: str
    ends_iso: str
    multi_day: bool


def event_time(event: Event) -> EventTime:
    """Format the event's start and end in its own zone."""
    start = timezones.to_local(event.starts_at, event.timezone)
    end = timezones.to_local(event.ends_at, event.timezone)
    multi_day = start.date() != end.date()
    return EventTime(
        when=timezones.format_range(event.starts_at, event.ends_at, event.timezone),
        daily_hours=timezones.format_time_span(event.starts_at, event.ends_at, event.timezone)
        if multi_day
        else "",
        abbreviation=timezones.abbreviation(event.starts_at, event.timezone),
        utc_offset=timezones.utc_offset_label(event.starts_at, event.timezone),
        starts_iso=timezones.iso_utc(event.starts_at),
        ends_iso=timezones.iso_utc(event.ends_at),
        multi_day=multi_day,
    )


@functools.lru_cache(maxsize=1024)
def render_description(text: str) -> Markup:
    """Organiser Markdown as sanitised HTML (no scripts, no attributes beyond safe links)."""
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return Markup(  # noqa: S704 (sanitised by nh3 just below)
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes={"a": {"href", "title"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )


def _catalogue_query(kind: EventKind | None, query: str) -> sa.Select:
    """Public events of `kind` whose title, summary, city, venue or organiser has every word.

    The words are matched against Event.search_text, folded once when the event was saved:
    the listing is still found through the (status, starts_at) index, and the search only
    filters the rows it reads, with a plain LIKE on a stored column (no function per row).
    """
    stmt = sa.select(Event).where(Event.status.in_(PUBLIC_STATUSES))
    if kind is not None:
        stmt = stmt.where(Event.kind == kind)
    return stmt.where(*search.every_word_in(Event.search_text, query))


def _not_over(now: datetime) -> sa.ColumnElement[bool]:
    """Not over yet: it ends later, or it is postponed (its old end no longer holds)."""
    return sa.or_(Event.ends_at > now, Event.postponed_at.is_not(None))


def list_events(
    *,
    past: bool,
    page: int,
    per_page: int,
    kind: EventKind | None = None,
    query: str = "",
    now: datetime | None = None,
) -> Pagination:
    """Public events (published and cancelled): those that have not ended, soonest first,
    or with `past` those that have, newest first."""
    stmt = public_events(past=past, kind=kind, query=query, now=now or now_utc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def public_events(
    *, past: bool, kind: EventKind | None = None, query: str = "", now: datetime
) -> sa.Select:
    """The listing's query: public events of `kind` matching `query`, upcoming soonest first
    or (with `past`) past newest first; the API adds its own filters to it."""
    stmt = _catalogue_query(kind, query)
    if past:
        return stmt.where(~_not_over(now)).order_by(Event.starts_at.desc(), Event.id.desc())
    return stmt.where(_not_over(now)).order_by(Event.starts_at, Event.id)


def next_catalogue_change(now: datetime) -> datetime | None:
    """When the listings next change by themselves: the next public event to end (a
    postponed one stays upcoming whatever its old end)."""
    return db.session.scalar(
        sa.select(sa.func.min(Event.ends_at)).where(
            Event.status.in_(PUBLIC_STATUSES), Event.ends_at > now, Event.postponed_at.is_(None)
        )
    )


def next_event_change(event: Event, now: datetime) -> datetime | None:
    """When the event's page next changes by itself: registration opens or closes, it starts
    or ends."""
    instants = (event.registration_opens_at, event.closes_at, event.starts_at, event.ends_at)
    return min((t for t in instants if t is not None and t > now), default=None)


def get_public_or_404(slug: str) -> Event:
    """A published or cancelled event by slug; drafts and unknown slugs are 404."""
    # Co-organisers load on first use only: most callers (registration, .ics) never ask.
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None or not event.is_public:
        abort(404)
    return event


def parse_kind(value: str | None) -> EventKind | None:
    """A kind from a query string; unknown values mean no filter."""
    try:
        return EventKind(value) if value else None
    except ValueError:
        return None


SCHEMA_EVENT_STATUS = {
    EventStatus.PUBLISHED: "https://schema.org/EventScheduled",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
}
SCHEMA_ATTENDANCE = {
    "in_person": "https://schema.org/OfflineEventAttendanceMode",
    "online": "https://schema.org/OnlineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
}


def place_label(event: Event) -> str:
    """'Online', 'Aarhus and online', 'DOKK1, Aarhus' (in the current language)."""
    if event.format == EventFormat.ONLINE:
        return _("Online")
    if event.format == EventFormat.HYBRID:
        if event.city:
            return _("%(city)s and online", city=event.city)
        return _("In person and online")
    return ", ".join(part for part in (event.venue_name, event.city) if part)


def public_url(event: Event, base_url: str, language: str | None = None) -> str:
    """The event page's absolute URL, built from CONVENE_BASE_URL (never the Host header);
    with `language`, the page in that language (`/da/events/...`; the default unprefixed)."""
    prefix = f"/{language}" if language and language != i18n.default_language() else ""
    return f"{base_url}{prefix}/events/{event.slug}"


def _schema_status(event: Event) -> dict:
    """eventStatus, and previousStartDate once a postponed event has its new date."""
    if event.status == EventStatus.PUBLISHED and event.postponed_at is not None:
        return {"eventStatus": "https://schema.org/EventPostponed"}
    if event.status == EventStatus.PUBLISHED and event.previous_starts_at is not None:
        previous = timezones.to_local(event.previous_starts_at, event.timezone).isoformat()
        return {
            "eventStatus": "https://schema.org/EventRescheduled",
            "previousStartDate": previous,
        }
    status = SCHEMA_EVENT_STATUS.get(event.status, SCHEMA_EVENT_STATUS[EventStatus.PUBLISHED])
    return {"eventStatus": status}


def structured_data(event: Event, url: str, text: EventText | None = None) -> dict:
    """schema.org Event as a dict, for JSON-LD (no private join link), for the page at the
    absolute `url`; its name and description are `text` (the event's words in the page's
    language), else the main ones."""
    text = text or event.text_in(event.language)
    if event.format == "online":
        location: dict | list = {"@type": "VirtualLocation", "url": url}
    else:
        location = {
            "@type": "Place",
            "name": event.venue_name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": event.address,
                "addressLocality": event.city,
                "addressCountry": event.country,
            },
        }
        if event.format == "hybrid":
            location = [location, {"@type": "VirtualLocation", "url": url}]
    return {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": text.title,
        "description": text.summary,
        "inLanguage": text.language,
        "startDate": timezones.to_local(event.starts_at, event.timezone).isoformat(),
        "endDate": timezones.to_local(event.ends_at, event.timezone).isoformat(),
        **_schema_status(event),
        "eventAttendanceMode": SCHEMA_ATTENDANCE[event.format.value],
        "location": location,
        "organizer": {"@type": "Organization", "name": event.organiser_name},
        "url": url,
    }
