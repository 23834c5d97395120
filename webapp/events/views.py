"""Public pages: the listing of upcoming and past events, and each event's page."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup

from webapp import caching, i18n
from webapp.communication.materials import public_materials
from webapp.db import now_utc
from webapp.events import services
from webapp.events.models import EventKind
from webapp.registration.availability import offered_hybrid_seats
from webapp.registration.services import availability

bp = Blueprint("events", __name__)


def _listing(template: str, *, past: bool):
    kind, query, page = _listing_args(request.args)

    def render() -> tuple[str, datetime | None]:
        now = now_utc()
        language = i18n.current_language()
        pagination = services.list_events(
            past=past,
            page=page,
            per_page=current_app.config["EVENTS_PER_PAGE"],
            kind=kind,
            query=query,
            now=now,
        )
        body = render_template(
            template,
            pagination=pagination,
            events=[
                (event, services.event_time(event), event.text_in(language))
                for event in pagination.items
            ],
            kinds=list(EventKind),
            kind=kind,
            query=query,
            # Seats per mode of the upcoming hybrid events: one query, none without them.
            seats={} if past else offered_hybrid_seats(pagination.items),
        )
        return body, services.next_catalogue_change(now)

    return caching.cached_page(render, kind, query, page)


def _listing_args(args) -> tuple[EventKind | None, str, int]:
    """Kind filter, search words and page number from the query string."""
    if not args:  # the common case; MultiDict.get raises and catches KeyError per miss
        return None, "", 1
    kind = services.parse_kind(args.get("kind"))
    query = args.get("q", "").strip()[:100]
    return kind, query, max(args.get("page", 1, type=int), 1)


@bp.get("/")
def index():
    """Upcoming events, soonest first."""
    return _listing("events/index.html", past=False)


@bp.get("/events/past")
def past():
    """Past events, newest first."""
    return _listing("events/past.html", past=True)


@bp.get("/events/<slug>")
def detail(slug: str):
    """One event: time in its zone and the reader's, place, seats, registration state."""

    def render() -> tuple[str, datetime | None]:
        now = now_utc()
        event = services.get_public_or_404(slug)
        text = event.text_in(i18n.current_language())
        base_url = current_app.config["CONVENE_BASE_URL"]
        page_url = services.public_url(event, base_url, i18n.current_language())
        body = render_template(
            "events/detail.html",
            event=event,
            text=text,
            time=services.event_time(event),
            availability=availability(event, now=now),
            description_html=services.render_description(text.description),
            page_url=page_url,
            structured_data=services.structured_data(event, page_url, text),
            materials=public_materials(event, now),
        )
        return body, services.next_event_change(event, now)

    return caching.cached_page(render)


@bp.app_template_filter()
def kind_name(kind: EventKind) -> str:
    """'Webinar', 'Webinar', 'Webbinarium', 'Webinar'."""
    return str(services.KIND_NAMES[EventKind(kind)])


@bp.app_template_filter()
def kind_plural(kind: EventKind, *, in_sentence: bool = False) -> str:
    """'Webinars' (or 'webinars' inside a sentence), 'Webinarer', 'Webbinarier', 'Webinare'."""
    names = services.KIND_PLURALS_IN_SENTENCE if in_sentence else services.KIND_PLURALS
    return str(names[EventKind(kind)])


@bp.app_template_global()
def lang_attribute(language: str) -> Markup:
    """` lang="da"` for content in another language than the page's, else nothing (the
    page's own `lang` covers it)."""
    if language == i18n.current_language():
        return Markup("")
    return Markup(' lang="%s"') % language


@bp.app_template_global()
def absolute_url(path: str) -> str:
    """An absolute URL for a path of this site (as url_for or i18n.url_in build it), from
    CONVENE_BASE_URL, never the Host header: pages are cached and shared."""
    base_script = request.environ.get(i18n.BASE_SCRIPT_KEY, request.script_root)
    if base_script and path.startswith(base_script):
        path = path[len(base_script) :]
    return current_app.config["CONVENE_BASE_URL"] + path
