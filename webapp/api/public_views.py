"""Public read endpoints: the published events and one event (no token, CORS for GET).

Answers are kept like the HTML listing's (webapp/caching.py): until anything is committed
or an event's registration state or listing place changes by the clock; whole responses
are replayed in front of Flask for requests without cookies or credentials.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from webapp import caching, problems
from webapp.api import reading, responses
from webapp.api.schemas import (
    EventListArgs,
    EventPageSchema,
    EventSchema,
    LanguageArgs,
    ProblemSchema,
)
from webapp.db import now_utc
from webapp.extensions import limiter
from webapp.registration.availability import availability

bp = Blueprint(
    "api_public", __name__, description="Published events, for partner sites and portals."
)
CACHE_CONTROL = "public, no-cache"  # may be stored, revalidated by ETag on every use
PROBLEMS = (400, 404, 422, 429)


def _public_limit() -> str:
    return current_app.config["API_PUBLIC_RATE_LIMIT"]


def _problems(view):
    for status in PROBLEMS:
        view = bp.alt_response(
            status, schema=ProblemSchema, content_type="application/problem+json"
        )(view)
    return view


def _kept(key: tuple, compute) -> bytes:
    """The answer for `key`, kept on the page cache's terms when caching is on."""
    if not caching.enabled(current_app):
        return compute()[0]
    body = caching.memoised(key, compute)
    caching.share_response()
    return body


@bp.after_request
def cors(response):
    """Any site may read the public events (they carry no credentials)."""
    return responses.add_cors(response)


@bp.route("/events", methods=["GET"])
@limiter.shared_limit(_public_limit, scope="api-public", key_func=get_remote_address)
@bp.arguments(EventListArgs, location="query", as_kwargs=True)
@bp.response(200, EventPageSchema)
@_problems
def event_list(**args):
    """Published (and cancelled) events, upcoming soonest first or past newest first."""
    base_url = current_app.config["CONVENE_BASE_URL"]

    def compute() -> tuple[tuple[bytes, dict], datetime | None]:
        now = now_utc()
        stmt = reading.public_query(args, now)
        url = f"{base_url}{reading.API_ROOT}/events"
        payload, events = reading.page_of(
            stmt, args, url, reading.list_filters(args), base_url, now
        )
        body = responses.encode(EventPageSchema().dump(payload))
        return (body, payload["links"]), reading.valid_until(events, now)

    key = ("api-events", base_url, tuple(sorted(args.items(), key=lambda item: item[0])))
    body, links = _kept(key, compute)
    return responses.json_response(body, cache_control=CACHE_CONTROL, links=links)


@bp.route("/events/<slug>", methods=["GET"])
@limiter.shared_limit(_public_limit, scope="api-public", key_func=get_remote_address)
@bp.arguments(LanguageArgs, location="query", as_kwargs=True)
@bp.response(200, EventSchema)
@_problems
def event_detail(slug: str, lang: str | None = None):
    """One published or cancelled event by its slug; drafts are 404."""
    base_url = current_app.config["CONVENE_BASE_URL"]

    def compute() -> tuple[bytes, datetime | None]:
        now = now_utc()
        event = reading.public_event_or_none(slug)
        if event is None:
            abort(404, problems.NOT_PUBLISHED)
        item = reading.event_item(event, availability(event, now=now), lang, base_url)
        return responses.encode(EventSchema().dump(item)), reading.valid_until([event], now)

    body = _kept(("api-event", base_url, slug, lang), compute)
    return responses.json_response(body, cache_control=CACHE_CONTROL)
