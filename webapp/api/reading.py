"""What the API says about events: the public list and page, and an organiser's events.

Plain data in (parsed arguments, the base URL, the instant), dicts out, shaped like
webapp/api/schemas.py. The rules are the pages': the catalogue query
(events.services.public_events), availability (registration.availability) and time
(wall time + zone as the truth, the UTC instant beside it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa

from webapp import timezones
from webapp.events import services
from webapp.events.models import Event, EventFormat, EventKind, EventTranslation
from webapp.extensions import db
from webapp.registration.availability import Availability, ModeSeats, availabilities

API_ROOT = "/api/v1"


def instant(value: datetime | None) -> str | None:
    """An aware instant as '2027-02-28T17:00:00Z'."""
    return timezones.iso_utc(value) if value is not None else None


def _time(local: datetime, utc: datetime, zone: str) -> dict:
    return {
        "local": local.isoformat(timespec="seconds"),
        "timezone": zone,
        "utc": timezones.iso_utc(utc),
    }


def _seats(seats: ModeSeats | None, availability: Availability) -> dict | None:
    if seats is None:
        return None
    left = None if availability.state.event_over else seats.seats_left
    return {"capacity": seats.capacity, "seats_left": left}


def _room(event: Event, availability: Availability) -> ModeSeats:
    return ModeSeats(
        availability.confirmed, availability.waitlisted, event.capacity, availability.seats_left
    )


def event_item(event: Event, availability: Availability, lang: str | None, base_url: str) -> dict:
    """One event as the API gives it."""
    text = event.text_in(lang or event.language)
    return {
        "id": event.id,
        "slug": event.slug,
        "status": event.status.value,
        "postponed": event.is_postponed,
        "kind": event.kind.value,
        "format": event.format.value,
        "language": text.language,
        "languages": _languages(event),
        "title": text.title,
        "summary": text.summary,
        "description": text.description,
        "starts": _time(event.start_local, event.starts_at, event.timezone),
        "ends": _time(event.end_local, event.ends_at, event.timezone),
        "venue": _venue(event),
        "organiser_name": event.organiser_name,
        "registration": {
            "state": availability.state.value,
            "accepts_registrations": availability.state.accepts_registrations,
            "opens_at": instant(availability.opens_at),
            "closes_at": instant(availability.closes_at),
        },
        "seats": {
            "in_person": _seats(_room(event, availability), availability),
            "online": _seats(availability.online, availability),
        },
        "links": _links(event, lang, base_url),
        "updated_at": timezones.iso_utc(event.updated_at),
    }


def _venue(event: Event) -> dict | None:
    if event.format == EventFormat.ONLINE:
        return None
    return {
        "name": event.venue_name,
        "address": event.address,
        "city": event.city,
        "country": event.country,
    }


def _links(event: Event, lang: str | None, base_url: str) -> dict:
    """The public page and .ics (none for a draft), and the event in the API."""
    if not event.is_public:
        api = f"{base_url}{API_ROOT}/organiser/events/{event.id}"
        return {"page": None, "ics": None, "api": api}
    return {
        "page": services.public_url(event, base_url, lang),
        "ics": f"{base_url}/events/{event.slug}.ics",
        "api": f"{base_url}{API_ROOT}/events/{event.slug}",
    }


def _languages(event: Event) -> list[str]:
    others = sorted(t.language for t in event.translations if t.title and t.language)
    return [event.language, *(lang for lang in others if lang != event.language)]


def event_items(events: Sequence[Event], lang: str | None, base_url: str, now: datetime) -> list:
    """The events of one page, their seats and states from one query."""
    states = availabilities(list(events), now=now)
    return [event_item(event, states[event.id], lang, base_url) for event in events]


def _day_start(day, zone: str) -> datetime:
    # Midnight as the zone's clocks show it (the first one if it occurs twice).
    try:
        return datetime.combine(day, time(), tzinfo=timezones.get_zone(zone)).astimezone(UTC)
    except OverflowError:  # 1 January of year 1 east of Greenwich: before any event
        return datetime.min.replace(tzinfo=UTC)


def public_query(args: dict, now: datetime) -> sa.Select:
    """The public events matching the list's filters, in the listing's order."""
    kind = EventKind(args["kind"]) if args.get("kind") else None
    stmt = services.public_events(
        past=args["when"] == "past", kind=kind, query=args.get("q", ""), now=now
    )
    if args.get("format"):
        stmt = stmt.where(Event.format == EventFormat(args["format"]))
    if args.get("language"):
        stmt = stmt.where(_offers_language(args["language"]))
    if args.get("starts_from"):
        stmt = stmt.where(Event.starts_at >= _day_start(args["starts_from"], args["timezone"]))
    if args.get("starts_to"):
        last = args["starts_to"]
        if last < last.max:
            stmt = stmt.where(
                Event.starts_at < _day_start(last + timedelta(days=1), args["timezone"])
            )
    return stmt


def list_filters(args: dict) -> dict:
    """The list's parsed filters as a query string's items (for its page links)."""
    names = {"starts_from": "from", "starts_to": "to"}
    return {
        names.get(name, name): value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in sorted(args.items())
        if name not in ("page", "per_page") and value not in (None, "")
    }


def _offers_language(language: str) -> sa.ColumnElement[bool]:
    translated = sa.select(EventTranslation.id).where(
        EventTranslation.event_id == Event.id,
        EventTranslation.language == language,
        EventTranslation.title != "",
    )
    return sa.or_(Event.language == language, translated.exists())


def page_of(
    stmt: sa.Select, args: dict, url: str, filters: dict, base_url: str, now: datetime
) -> tuple[dict, list[Event]]:
    """One page of `stmt`'s events with counts and links (`url` with `filters` and the page),
    and the events on it."""
    page, per_page = args["page"], args["per_page"]
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
    pages = max(math.ceil((pagination.total or 0) / per_page), 1)

    def link(number: int) -> str:
        return f"{url}?{urlencode({**filters, 'page': number, 'per_page': per_page})}"

    payload = {
        "items": event_items(pagination.items, args.get("lang"), base_url, now),
        "page": page,
        "per_page": per_page,
        "total": pagination.total or 0,
        "pages": pages,
        "links": {
            "self": link(page),
            "first": link(1),
            "last": link(pages),
            "prev": link(min(page - 1, pages)) if page > 1 else None,
            "next": link(page + 1) if page < pages else None,
        },
    }
    return payload, list(pagination.items)


def valid_until(events: Sequence[Event], now: datetime) -> datetime | None:
    """When a list of these events next reads differently by itself (an event ends, or
    registration opens or closes)."""
    instants = [services.next_catalogue_change(now)]
    instants += [services.next_event_change(event, now) for event in events]
    return min((t for t in instants if t is not None), default=None)


def public_event_or_none(slug: str) -> Event | None:
    """A published or cancelled event by slug."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    return event if event is not None and event.is_public else None
