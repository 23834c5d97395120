"""Ready-to-show values for email templates: event facts, links, safe header text.

Every absolute link is built from CONVENE_BASE_URL, never from a request, because
messages are rendered wherever the change happens (a view, a CLI command, a worker).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from urllib.parse import urlsplit

from flask import current_app

from webapp.countries import country_name
from webapp.events.models import Event, EventFormat
from webapp.events.services import event_time, public_url
from webapp.text import one_line

# Display names are cut here (the outbox column holds 200 characters).
NAME_LIMIT = 200


def mailbox(name: str, address: str) -> str:
    """'Name <address>' with the name quoted as needed; '' if the address is unusable."""
    try:
        return str(
            Address(display_name=one_line(name, NAME_LIMIT), addr_spec=one_line(address, 254))
        )
    except (ValueError, IndexError):
        return ""


def base_url() -> str:
    """The public base URL of this Convene, without a trailing slash."""
    return current_app.config["CONVENE_BASE_URL"].rstrip("/")


def message_domain() -> str:
    """The host of CONVENE_BASE_URL: the right-hand side of our Message-IDs."""
    return urlsplit(base_url()).hostname or "localhost"


def default_sender() -> str:
    """MAIL_DEFAULT_SENDER as one header-safe string (Flask-Mail also allows a tuple)."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    if isinstance(sender, tuple | list):
        return mailbox(sender[0], sender[1])
    return one_line(sender, 320)


@dataclass(frozen=True)
class EventFacts:
    """What every email says about the event, formatted in the event's own zone."""

    title: str
    url: str
    when: str  # 'Sun 28 Feb 2027, 18:00–19:30 CET'
    daily_hours: str  # multi-day events only
    zone: str  # 'UTC+01:00, Europe/Brussels'
    place: tuple[str, ...]  # lines of the venue; empty for online events
    online: bool
    hybrid: bool
    organiser_name: str
    organiser_email: str


def event_facts(event: Event) -> EventFacts:
    """The event's facts for a message, with links built from CONVENE_BASE_URL."""
    time = event_time(event)
    return EventFacts(
        title=event.title,
        url=public_url(event, base_url()),
        when=time.when,
        daily_hours=time.daily_hours,
        zone=f"{time.utc_offset}, {event.timezone}",
        place=_place_lines(event),
        online=event.format == EventFormat.ONLINE,
        hybrid=event.format == EventFormat.HYBRID,
        organiser_name=event.organiser_name,
        organiser_email=event.organiser_email,
    )


def _place_lines(event: Event) -> tuple[str, ...]:
    if event.format == EventFormat.ONLINE:
        return ()
    lines = (event.venue_name, event.address, event.city, country_name(event.country))
    return tuple(line for line in lines if line)


def reply_to(event: Event) -> str:
    """The organiser's contact for Reply-To: the event's contact, else its owner's."""
    if event.organiser_email:
        return mailbox(event.organiser_name, event.organiser_email)
    owner = event.owner
    if owner is not None and owner.email:
        return mailbox(owner.name or event.organiser_name, owner.email)
    return ""
