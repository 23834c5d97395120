"""Plain-text values for calendar properties and links: titles, places, descriptions.

No iCalendar syntax here (icalendar escapes what we return); only what the text says, with
control characters that no calendar reader should meet turned into spaces.
"""

from __future__ import annotations

import re

from webapp.countries import country_name
from webapp.events.models import Event, EventFormat, EventStatus
from webapp.events.services import public_url
from webapp.registration.models import Registration
from webapp.text import one_line

# Every control character but the line feed (line breaks are normalised to it first).
_CONTROLS_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f]")
MANAGE_HINT = "To change or cancel your registration, use the link in your confirmation email."


def public_location(event: Event) -> str:
    """Venue and address (with city and country), or 'Online'."""
    if event.format == EventFormat.ONLINE:
        return "Online"
    parts = (event.venue_name, event.address, event.city, country_name(event.country))
    place = ", ".join(filter(None, map(one_line, filter(None, parts))))
    return place or "To be announced"


def summary(event: Event, *, cancelled: bool) -> str:
    """The title on one line; Google ignores STATUS in subscribed feeds, so say it here too."""
    title = one_line(event.title)
    return f"Cancelled: {title}" if cancelled else title


def public_description(event: Event, base_url: str) -> str:
    """The summary and the event page link; never the private join link."""
    lines = []
    if event.status == EventStatus.CANCELLED:
        lines.append("This event has been cancelled.")
    if event.summary:
        lines.append(paragraph(event.summary))
    if event.format != EventFormat.IN_PERSON:
        lines.append("Online: the join link is sent to registered attendees.")
    lines.append(f"Event page: {public_url(event, base_url)}")
    return "\n\n".join(lines)


def invite_description(registration: Registration, base_url: str, *, cancel: bool) -> str:
    """The attendee's own text: summary, join link (unless cancelled) and the event page.

    Never the manage link: a calendar entry is shared with assistants and colleagues, and
    that link cancels the registration. It stays in the email and on the confirmation page.
    """
    event = registration.event
    lines = []
    if cancel:
        lines.append(
            "This event has been cancelled."
            if event.status == EventStatus.CANCELLED
            else "Your registration has been cancelled."
        )
    elif event.summary:
        lines.append(paragraph(event.summary))
    link = "" if cancel else join_url(registration)
    if link:
        lines.append(f"Join online: {link}")
    lines.append(f"Event page: {public_url(event, base_url)}")
    if not cancel:
        lines.append(MANAGE_HINT)
    return "\n\n".join(lines)


def invite_location(registration: Registration, link: str) -> str:
    """The join link for those attending online, otherwise the venue."""
    return link or public_location(registration.event)


def join_url(registration: Registration) -> str:
    """The private join link for those who follow online (Registration.attends_online)."""
    return registration.event.online_url if registration.attends_online else ""


def paragraph(text: str) -> str:
    """Text that keeps its line breaks (any kind becomes \\n); other controls become spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS_BUT_NEWLINE.sub(" ", text)


def param_text(text: str) -> str:
    """A parameter value clients show as typed: one line, no double quotes.

    icalendar already quotes parameters safely (RFC 6868 caret escapes), but Outlook
    shows those escapes literally, so names are flattened instead.
    """
    return one_line(text).replace('"', "'")
