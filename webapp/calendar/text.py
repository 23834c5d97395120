"""Plain-text values for calendar properties and links: titles, places, descriptions.

No iCalendar syntax here (icalendar escapes what we return); only what the text says, with
control characters that no calendar reader should meet turned into spaces.

Fixed words are in the current language (the caller chooses it with i18n.language()); the
event's own words come from an EventText, the event's title and summary in the file's
language where the organiser gave them (Event.text_in()), else in its main language.
"""

from __future__ import annotations

import re

from babel import Locale
from flask_babel import gettext as _

from webapp import i18n
from webapp.countries import country_name
from webapp.events.models import Event, EventFormat, EventStatus, EventText
from webapp.events.services import public_url
from webapp.registration.models import Registration
from webapp.text import one_line

# Every control character but the line feed (line breaks are normalised to it first).
_CONTROLS_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


def country(code: str, language: str) -> str:
    """The country's name in `language` ('Belgien'); English names as the site shows them."""
    if not code:
        return ""
    if language != "en":
        name = Locale.parse(language).territories.get(code)
        if name:
            return name
    return country_name(code)


def public_location(event: Event) -> str:
    """Venue and address (with city and country), or 'Online', in the current language."""
    if event.format == EventFormat.ONLINE:
        return _("Online")
    language = i18n.current_language()
    parts = (event.venue_name, event.address, event.city, country(event.country, language))
    place = ", ".join(filter(None, map(one_line, filter(None, parts))))
    return place or _("To be announced")


def summary(words: EventText, *, cancelled: bool) -> str:
    """The title on one line; Google ignores STATUS in subscribed feeds, so say it here too."""
    title = one_line(words.title)
    return _("Cancelled: %(title)s", title=title) if cancelled else title


def public_description(event: Event, words: EventText, base_url: str) -> str:
    """The summary and the event page link; never the private join link.

    `base_url` is the base of the pages in the current language ('…/da').
    """
    lines = []
    if event.status == EventStatus.CANCELLED:
        lines.append(_("This event has been cancelled."))
    if words.summary:
        lines.append(paragraph(words.summary))
    if event.format != EventFormat.IN_PERSON:
        lines.append(_("Online: the join link is sent to registered attendees."))
    lines.append(_("Event page: %(url)s", url=public_url(event, base_url)))
    return "\n\n".join(lines)


def invite_description(
    registration: Registration, words: EventText, base_url: str, join_url: str, *, cancel: bool
) -> str:
    """The attendee's own text: summary, join link (none in a CANCEL) and the event page.

    Never the manage link: a calendar entry is shared with assistants and colleagues, and
    that link cancels the registration. It stays in the email and on the confirmation page.
    """
    event = registration.event
    lines = []
    if cancel:
        lines.append(
            _("This event has been cancelled.")
            if event.status == EventStatus.CANCELLED
            else _("Your registration has been cancelled.")
        )
    elif words.summary:
        lines.append(paragraph(words.summary))
    if join_url and not cancel:
        lines.append(_("Join online: %(url)s", url=join_url))
    lines.append(_("Event page: %(url)s", url=public_url(event, base_url)))
    if not cancel:
        lines.append(
            _("To change or cancel your registration, use the link in your confirmation email.")
        )
    return "\n\n".join(lines)


def invite_location(registration: Registration, link: str) -> str:
    """The join link for those attending online, otherwise the venue."""
    return link or public_location(registration.event)


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
