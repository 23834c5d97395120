"""Ready-to-show values for email templates: event facts, links, safe header text.

Every absolute link is built from CONVENE_BASE_URL, never from a request, because
messages are rendered wherever the change happens (a view, a CLI command, a worker), and
carries the prefix of the message's language (`/da/events/x`), which comes from stored
data (the registration's language), never from the page that caused the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from urllib.parse import urlsplit

from flask import current_app

from webapp import i18n
from webapp.calendar.text import country
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


def base_url(language: str | None = None) -> str:
    """The public base URL of this Convene, without a trailing slash; with a language, the
    base of that language's pages ('https://convene.example/da')."""
    root = current_app.config["CONVENE_BASE_URL"].rstrip("/")
    return root if language is None else root + i18n.language_prefix(language)


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
    """What every email says about the event, formatted in the event's own zone and in
    the message's language."""

    language: str  # of the message ('da')
    title: str  # in the message's language where the organiser gave one
    text_language: str  # the language the title is actually in, for `lang`
    url: str
    when: str  # 'Sun 28 Feb 2027, 18:00–19:30 CET'
    daily_hours: str  # multi-day events only
    zone: str  # 'UTC+01:00, Europe/Brussels'
    place: tuple[str, ...]  # lines of the venue; empty for online events
    online: bool
    hybrid: bool
    organiser_name: str
    organiser_email: str


def event_facts(event: Event, language: str) -> EventFacts:
    """The event's facts for a message in `language`, with links built from
    CONVENE_BASE_URL to the pages in that language."""
    language = i18n.supported(language)
    text = event.text_in(language)
    with i18n.language(language):
        time = event_time(event)
    return EventFacts(
        language=language,
        title=text.title,
        text_language=text.language,
        url=public_url(event, base_url(language)),
        when=time.when,
        daily_hours=time.daily_hours,
        zone=f"{time.utc_offset}, {event.timezone}",
        place=_place_lines(event, language),
        online=event.format == EventFormat.ONLINE,
        hybrid=event.format == EventFormat.HYBRID,
        organiser_name=event.organiser_name,
        organiser_email=event.organiser_email,
    )


def _place_lines(event: Event, language: str) -> tuple[str, ...]:
    if event.format == EventFormat.ONLINE:
        return ()
    lines = (event.venue_name, event.address, event.city, country(event.country, language))
    return tuple(line for line in lines if line)


def reply_to(event: Event) -> str:
    """The organiser's contact for Reply-To: the event's contact, else its owner's."""
    if event.organiser_email:
        return mailbox(event.organiser_name, event.organiser_email)
    owner = event.owner
    if owner is not None and owner.email:
        return mailbox(owner.name or event.organiser_name, owner.email)
    return ""
