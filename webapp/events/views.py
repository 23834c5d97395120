"""Public pages: the listing of upcoming and past events, and each event's page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from webapp.events import services
from webapp.events.models import EventKind
from webapp.registration.services import availability

bp = Blueprint("events", __name__)


def _listing(list_events, template: str):
    kind = services.parse_kind(request.args.get("kind"))
    query = request.args.get("q", "").strip()[:100]
    page = request.args.get("page", 1, type=int)
    pagination = list_events(
        page=max(page, 1),
        per_page=current_app.config["EVENTS_PER_PAGE"],
        kind=kind,
        query=query,
    )
    return render_template(
        template,
        pagination=pagination,
        events=[(event, services.event_time(event)) for event in pagination.items],
        kinds=list(EventKind),
        kind=kind,
        query=query,
    )


@bp.get("/")
def index():
    """Upcoming events, soonest first."""
    return _listing(services.list_upcoming, "events/index.html")


@bp.get("/events/past")
def past():
    """Past events, newest first."""
    return _listing(services.list_past, "events/past.html")


@bp.get("/events/<slug>")
def detail(slug: str):
    """One event: time in its zone and the reader's, place, seats, registration state."""
    event = services.get_public_or_404(slug)
    base_url = current_app.config["CONVENE_BASE_URL"]
    return render_template(
        "events/detail.html",
        event=event,
        time=services.event_time(event),
        availability=availability(event),
        description_html=services.render_description(event.description),
        page_url=services.public_url(event, base_url),
        structured_data=services.structured_data(event, base_url),
    )


@bp.get("/privacy")
def privacy():
    """The privacy notice attendees consent to."""
    return render_template(
        "events/privacy.html", version=current_app.config["PRIVACY_NOTICE_VERSION"]
    )
