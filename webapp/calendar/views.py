"""Calendar routes: one public event, the subscribable feed, and a personal invite.

Public files are in the URL's language (`/da/calendar.ics`, `/da/events/x.ics`): every
cache key and ETag includes it, so the languages never answer for each other. The personal
invite is in the registration's language, as in its emails, whichever URL fetches it.

The personal invite at /r/<token>/invite.ics is the same file the emails carry: a
METHOD:REQUEST for a confirmed seat, and the METHOD:CANCEL version once the registration
or the event is cancelled (so importing it removes the entry). An unknown token is 404,
and so is a place on the waiting list (there is no seat to put in a calendar yet).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from webapp import caching, i18n
from webapp.calendar import entries, feed, ics, links
from webapp.communication.join import attendee_join_url
from webapp.errors import render_error
from webapp.events import services as events
from webapp.events.models import Event, EventKind, EventStatus
from webapp.extensions import limiter
from webapp.registration import services as registrations
from webapp.registration.models import RegistrationStatus
from webapp.security import private_page

bp = Blueprint("calendar", __name__)

PUBLIC_CACHE = "public, max-age=300"
WAITING_LIST_MESSAGE = _l(
    "There is no calendar invite while you are on the waiting list. "
    "You will receive one by email as soon as a seat is yours."
)
HELD_MESSAGE = _l(
    "There is no calendar invite until you confirm your email address. "
    "Use the button in the email we sent you."
)


@dataclass(frozen=True)
class EventLinks:
    """Where the event page's "Add to calendar" buttons point."""

    ics_url: str
    google_url: str
    outlook_url: str
    office365_url: str


@dataclass(frozen=True)
class FeedLinks:
    """The listing page's subscribe (webcal://) and download links for the current filter."""

    webcal_url: str
    download_url: str
    google_url: str


@bp.app_template_global()
def calendar_links(event) -> EventLinks:
    """Absolute calendar links for an event page, to the files in the page's language."""
    base_url = _pages_url()
    return EventLinks(
        ics_url=f"{base_url}/events/{event.slug}.ics",
        google_url=links.google_calendar_url(event, base_url=base_url),
        outlook_url=links.outlook_calendar_url(event, base_url=base_url),
        office365_url=links.outlook_calendar_url(event, base_url=base_url, office365=True),
    )


@bp.app_template_global()
def calendar_feed_links(kind: EventKind | None = None) -> FeedLinks:
    """Absolute feed links in the page's language, keeping the listing's kind filter."""
    url = f"{_pages_url()}/calendar.ics" + (f"?{urlencode({'kind': kind.value})}" if kind else "")
    webcal_url = "webcal://" + url.split("://", 1)[1]
    return FeedLinks(
        webcal_url=webcal_url,
        download_url=url,
        google_url="https://calendar.google.com/calendar/r?" + urlencode({"cid": webcal_url}),
    )


@bp.get("/events/<slug>.ics")
def event_file(slug: str):
    """The public event as an .ics file (Add to calendar), in the URL's language."""
    language = i18n.current_language()
    # Built once and reused until anything is committed (the page cache's rule).
    etag, last_modified, body = caching.memoised(
        ("event-ics", language, request.path, _base_url()), lambda: _event_ics(slug, language)
    )
    return _public_file(etag, last_modified, f"{slug}.ics", lambda: body)


def _event_ics(slug: str, language: str) -> tuple[tuple[str, datetime, bytes], None]:
    event = events.get_public_or_404(slug)
    version = f"{event.id}|{event.sequence}|{event.status.value}|{event.updated_at.isoformat()}"
    etag = _tag(version, language)
    last_modified = event.updated_at.replace(microsecond=0)
    found = entries.public_entries(Event.id == event.id, _base_url(), language)
    if not found:  # deleted since it was read a moment ago
        abort(404)
    return (etag, last_modified, ics.event_calendar(found[0])), None


@bp.get("/calendar.ics")
def feed_file():
    """The subscribable feed of public events in the URL's language, optionally of one
    kind (?kind=webinar)."""
    kind = events.parse_kind(request.args.get("kind"))
    language = i18n.current_language()
    # A conditional request is answered from the memoised version: no event is loaded.
    version = feed.current_feed_version(kind)
    name = _feed_name(kind)
    filename = _feed_filename(kind, language)
    return _public_file(
        _tag(version.etag, language),
        version.last_modified,
        filename,
        lambda: _feed_body(version, name, language),
    )


def _feed_body(version: feed.FeedVersion, name: str, language: str) -> bytes:
    """The feed's file for `version`, built once per version, language and URL (its path)."""
    base_url = _base_url()
    return caching.caches().files.get_or_build(
        ("feed", language, request.path, base_url, version),
        lambda: ics.feed_calendar(
            feed.feed_entries(version.kind, base_url, language), name=name, language=language
        ),
    )


@bp.get("/r/<token>/invite.ics")
@private_page
@limiter.limit(lambda: current_app.config["MANAGE_RATE_LIMIT"])
def invite_file(token: str):
    """A registration's personal invite, for download from the manage page."""
    registration = registrations.find_by_token(token)
    if registration is None or registration.event.status == EventStatus.DRAFT:
        abort(404)
    if registration.status == RegistrationStatus.WAITLISTED:
        return render_error(404, str(WAITING_LIST_MESSAGE))
    if registration.is_held:
        return render_error(404, str(HELD_MESSAGE))
    cancelled = (
        registration.status == RegistrationStatus.CANCELLED
        or registration.event.status == EventStatus.CANCELLED
    )
    pages_url = _base_url().rstrip("/") + i18n.language_prefix(registration.language)
    with i18n.language(registration.language):
        body = ics.registration_invite(
            registration,
            method="CANCEL" if cancelled else "REQUEST",
            base_url=_base_url(),
            pages_url=pages_url,
            join_url=attendee_join_url(registration, pages_url),
        )
    return _calendar_response(body, f"{registration.event.slug}.ics", "private, no-store")


def _base_url() -> str:
    return current_app.config["CONVENE_BASE_URL"]


def _pages_url() -> str:
    """The base of the pages in the current language ('https://host/da')."""
    return _base_url().rstrip("/") + i18n.language_prefix(i18n.current_language())


def _tag(version: str, language: str) -> str:
    """An ETag for a version of a file in a language: each language's file has its own."""
    return hashlib.sha256(f"{language}|{version}".encode()).hexdigest()[:32]


# The feed's name in calendar apps (X-WR-CALNAME), per kind filter.
FEED_NAMES = {
    None: _l("Convene events"),
    EventKind.WEBINAR: _l("Convene webinars"),
    EventKind.SUMMIT: _l("Convene summits"),
    EventKind.WORKSHOP: _l("Convene workshops"),
    EventKind.CONFERENCE: _l("Convene conferences"),
}


def _feed_name(kind: EventKind | None) -> str:
    return str(FEED_NAMES.get(kind, FEED_NAMES[None]))


def _feed_filename(kind: EventKind | None, language: str) -> str:
    """'convene-webinars.ics' (the English name, ASCII), '-da' before the suffix elsewhere."""
    stem = f"convene-{kind.value}s" if kind else "convene-events"
    return stem + ("" if language == i18n.default_language() else f"-{language}") + ".ics"


def _calendar_response(body: bytes, filename: str, cache_control: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = _attachment(filename)
    response.headers["Cache-Control"] = cache_control
    return response


def _attachment(filename: str) -> str:
    return f'attachment; filename="{secure_filename(filename) or "event.ics"}"'


def _public_file(
    etag: str, last_modified: datetime, filename: str, build: Callable[[], bytes]
) -> Response:
    """A public calendar file with a weak ETag and Last-Modified, or the 304 Werkzeug
    decides on (RFC 9110: If-None-Match when present, else If-Modified-Since), for which
    `build` is never called."""
    response = Response(mimetype="text/calendar")
    response.headers["Cache-Control"] = PUBLIC_CACHE
    response.set_etag(etag, weak=True)
    response.last_modified = last_modified
    caching.make_conditional(response, request.environ)
    caching.share_response()  # it depends on the URL and the kept validators only
    if response.status_code == 412:  # If-Match named another version
        abort(412)
    if response.status_code == 200:
        response.set_data(build())
        response.headers["Content-Disposition"] = _attachment(filename)
    return response
