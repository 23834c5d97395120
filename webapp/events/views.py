"""Public pages: the listing of upcoming and past events, and each event's page."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, render_template, request

from webapp import caching
from webapp.db import now_utc
from webapp.events import services
from webapp.events.models import EventKind
from webapp.registration.services import availability

bp = Blueprint("events", __name__)


def _listing(template: str, *, past: bool):
    kind, query, page = _listing_args(request.args)

    def render() -> tuple[str, datetime | None]:
        now = now_utc()
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
            events=[(event, services.event_time(event)) for event in pagination.items],
            kinds=list(EventKind),
            kind=kind,
            query=query,
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
        base_url = current_app.config["CONVENE_BASE_URL"]
        body = render_template(
            "events/detail.html",
            event=event,
            time=services.event_time(event),
            availability=availability(event, now=now),
            description_html=services.render_description(event.description),
            page_url=services.public_url(event, base_url),
            structured_data=services.structured_data(event, base_url),
        )
        return body, services.next_event_change(event, now)

    return caching.cached_page(render)


@bp.get("/privacy")
def privacy():
    """The privacy notice attendees consent to."""
    return render_template(
        "events/privacy.html", version=current_app.config["PRIVACY_NOTICE_VERSION"]
    )
