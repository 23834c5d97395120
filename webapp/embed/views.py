"""/embed: the compact list of upcoming events that partner sites put in an iframe.

It is the one page that may be framed, and only by the origins an admin lists
(`embed.allowed_origins`); every other page keeps refusing frames (webapp/security.py).
The page needs no cookie (no form, no session) and is cached like the listing.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, redirect, render_template, request

from webapp import caching, i18n, security
from webapp.db import now_utc
from webapp.embed import origins, services
from webapp.events import services as events

bp = Blueprint("embed", __name__)


@bp.after_request
def frame_policy(response):
    """Framable by the allowed origins only (refused everywhere when none is set)."""
    security.allow_framing(response, origins.allowed_origins())
    return response


@bp.get("/embed")
def embedded_list():
    """Upcoming events as compact cards; ?kind=, ?format=, and ?lang= or the URL prefix."""
    kind = events.parse_kind(request.args.get("kind"))
    fmt = services.parse_format(request.args.get("format"))
    wanted = request.args.get("lang")
    if wanted and i18n.supported(wanted) != i18n.current_language():
        # One URL per language: the same list under its language's prefix.
        return redirect(i18n.url_in(i18n.supported(wanted)), 302)

    def render() -> tuple[str, datetime | None]:
        now = now_utc()
        language = i18n.current_language()
        found = services.upcoming(kind, fmt, limit=current_app.config["EMBED_EVENTS"], now=now)
        body = render_template(
            "embed/list.html",
            cards=services.cards(
                found,
                language=language,
                base_url=current_app.config["CONVENE_BASE_URL"],
                now=now,
            ),
            kind=kind,
            listing_url=current_app.config["CONVENE_BASE_URL"]
            + i18n.language_prefix(language)
            + "/",
        )
        return body, _next_change(found, now)

    return caching.cached_page(render, kind, fmt)


def _next_change(found, now: datetime) -> datetime | None:
    """When the list next changes by itself: an event's registration opens or closes, it
    starts or ends (then it leaves the list)."""
    instants = [events.next_event_change(event, now) for event in found]
    return min((t for t in instants if t is not None), default=None)
