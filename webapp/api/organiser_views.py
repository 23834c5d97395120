"""Organiser endpoints, read-only, with an API token (`Authorization: Bearer cvn_…`).

No CORS here: tokens are for servers (a CRM, a website's back end). A page's JavaScript
would hand the token to every visitor, so browsers are left to refuse cross-site reads.
An unknown, revoked or malformed token is 401; an event outside the token's scope, or
another organiser's, is 404 (never a hint that it exists).
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from flask import abort, current_app, g, request
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from webapp import problems
from webapp.api import cursors, reading, registrations, responses, tokens
from webapp.api.models import ApiToken
from webapp.api.schemas import (
    EventPageSchema,
    EventSchema,
    LanguageArgs,
    OrganiserEventArgs,
    ProblemSchema,
    RegistrationArgs,
    RegistrationPageSchema,
)
from webapp.db import now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db, limiter
from webapp.registration.availability import availability

bp = Blueprint(
    "api_organiser",
    __name__,
    description="An organiser's events (drafts included) and registrations, with a token.",
)
CACHE_CONTROL = "private, no-cache"
PROBLEMS = (400, 401, 404, 422, 429)
MAX_ID = 2**31 - 1  # larger ids match no route: 404, never an integer overflow


def _token_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _token_key() -> str:
    """Rate-limit key: the token (hashed; no database read), or the address without one."""
    plain = tokens.bearer_token(request.headers.get("Authorization"))
    if plain is None:
        return "api-anonymous:" + (get_remote_address() or "")
    return "api-token:" + hashlib.sha256(plain.encode()).hexdigest()[:24]


def _problems(view):
    view = bp.doc(security=[{"bearerToken": []}])(view)
    for status in PROBLEMS:
        view = bp.alt_response(
            status, schema=ProblemSchema, content_type="application/problem+json"
        )(view)
    return view


def _unauthorized(detail: str, error: str | None) -> Unauthorized:
    parameters = {"realm": "Convene API"}
    if error:
        parameters["error"] = error
    return Unauthorized(detail, www_authenticate=WWWAuthenticate("Bearer", parameters))


@bp.before_request
def authenticate():
    """Resolve the bearer token into g.api_token, noting its use; 401 without a live one."""
    if request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization")
    if not header:
        raise _unauthorized("Send an API token: Authorization: Bearer cvn_…", None)
    plain = tokens.bearer_token(header)
    token = tokens.resolve(plain) if plain else None
    if token is None:
        raise _unauthorized(
            "The API token is not valid (unknown, revoked or malformed).", "invalid_token"
        )
    if tokens.note_use(token, now=now_utc()):
        db.session.commit()
    g.api_token_id = token.id


def _token() -> ApiToken:
    token = db.session.get(ApiToken, g.api_token_id)
    if token is None:  # revoked and deleted in between: as if it never was
        raise _unauthorized("The API token is not valid.", "invalid_token")
    return token


def _event_or_404(event_id: int) -> Event:
    event = db.session.scalar(tokens.events_query(_token()).where(Event.id == event_id))
    if event is None:
        abort(404, problems.NOT_IN_SCOPE)
    return event


def _limited(view):
    return limiter.shared_limit(_token_limit, scope="api-token", key_func=_token_key)(view)


@bp.route("/events", methods=["GET"])
@_limited
@bp.arguments(OrganiserEventArgs, location="query", as_kwargs=True)
@bp.response(200, EventPageSchema)
@_problems
def event_list(**args):
    """The token's events, drafts included, newest first."""
    stmt = tokens.events_query(_token()).order_by(Event.starts_at.desc(), Event.id.desc())
    if args.get("status"):
        stmt = stmt.where(Event.status == EventStatus(args["status"]))
    base_url = current_app.config["CONVENE_BASE_URL"]
    url = f"{base_url}{reading.API_ROOT}/organiser/events"
    filters = {k: args[k] for k in ("status", "lang") if args.get(k)}
    payload, _events = reading.page_of(stmt, args, url, filters, base_url, now_utc())
    body = responses.encode(EventPageSchema().dump(payload))
    return responses.json_response(body, cache_control=CACHE_CONTROL, links=payload["links"])


@bp.route(f"/events/<int(max={MAX_ID}):event_id>", methods=["GET"])
@_limited
@bp.arguments(LanguageArgs, location="query", as_kwargs=True)
@bp.response(200, EventSchema)
@_problems
def event_detail(event_id: int, lang: str | None = None):
    """One of the token's events, draft or not."""
    event = _event_or_404(event_id)
    base_url = current_app.config["CONVENE_BASE_URL"]
    item = reading.event_item(event, availability(event, now=now_utc()), lang, base_url)
    return responses.json_response(
        responses.encode(EventSchema().dump(item)), cache_control=CACHE_CONTROL
    )


@bp.route(f"/events/<int(max={MAX_ID}):event_id>/registrations", methods=["GET"])
@_limited
@bp.arguments(RegistrationArgs, location="query", as_kwargs=True)
@bp.response(200, RegistrationPageSchema)
@_problems
def registration_list(event_id: int, **args):
    """The event's registrations with answers, by (updated_at, id); follow `next_cursor`."""
    event = _event_or_404(event_id)
    try:
        items, cursor = registrations.registrations_page(
            event, args, current_app.config["SECRET_KEY"]
        )
    except cursors.BadCursor as error:
        abort(400, str(error))
    url = f"{current_app.config['CONVENE_BASE_URL']}{reading.API_ROOT}/organiser/events/{event.id}"
    links = {"next": _next_link(f"{url}/registrations", args, cursor) if cursor else None}
    payload = {"items": items, "next_cursor": cursor, "links": links}
    body = responses.encode(RegistrationPageSchema().dump(payload))
    return responses.json_response(body, cache_control=CACHE_CONTROL, links=links)


def _next_link(url: str, args: dict, cursor: str) -> str:
    query = {"cursor": cursor, "limit": args["limit"]}
    if args.get("status"):
        query["status"] = args["status"]
    if args.get("updated_since"):
        query["updated_since"] = args["updated_since"].isoformat()
    return f"{url}?{urlencode(query)}"
