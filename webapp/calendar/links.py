"""Pre-filled new-event pages of web calendars (Google Calendar, Outlook), for event pages.

They take UTC times and plain text in the query string; like the .ics files they carry
the public event page and never the private join link, and are written in the current
language (the page's), with the event's title and summary in it where the organiser gave
them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from webapp import i18n, timezones
from webapp.calendar import text
from webapp.events.models import Event


def google_calendar_url(event: Event, *, base_url: str) -> str:
    """Google Calendar's pre-filled new-event page (UTC times, title, place, link).

    `base_url` is the base of the pages in the current language ('https://host/da').
    """
    start, end = (_utc_stamp(t) for t in (event.starts_at, event.ends_at))
    words = event.text_in(i18n.current_language())
    query = {
        "action": "TEMPLATE",
        "text": text.one_line(words.title),
        "dates": f"{start}/{end}",
        "details": text.public_description(event, words, base_url),
        "location": text.public_location(event),
        "ctz": event.timezone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(event: Event, *, base_url: str, office365: bool = False) -> str:
    """Outlook.com's (or Microsoft 365's) pre-filled new-event page, in UTC."""
    host = "outlook.office.com" if office365 else "outlook.live.com"
    words = event.text_in(i18n.current_language())
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": text.one_line(words.title),
        "startdt": timezones.iso_utc(event.starts_at),
        "enddt": timezones.iso_utc(event.ends_at),
        "body": text.public_description(event, words, base_url),
        "location": text.public_location(event),
    }
    return f"https://{host}/calendar/0/action/compose?" + urlencode(query)


def _utc_stamp(instant: datetime) -> str:
    """A UTC time as Google's links want it: 20270228T170000Z."""
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
