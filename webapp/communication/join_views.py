"""The attendee's join link: a page (GET) and the join itself (POST, then to the meeting)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template

from webapp import timezones
from webapp.communication import join
from webapp.db import now_utc
from webapp.extensions import db
from webapp.registration.tokens import find_by_join_token
from webapp.registration.views import _about, manage_rate_limit
from webapp.security import CONTENT_SECURITY_POLICY, private_page

# Its own URL (/join/<token>, not below the manage page's /r/<token>): the join link goes
# into calendar entries, which must not lead to the page that cancels. It shares the
# manage pages' rate limit.
bp = Blueprint("join", __name__)


def _join_page(registration, token: str, state: join.JoinState):
    event = registration.event
    opens = join.opens_at(event)
    response = render_template(
        "communication/join.html",
        **_about(registration, token),
        state=state.value,
        opens_at=timezones.format_instant(opens, event.timezone),
        seconds_left=max(int((opens - now_utc()).total_seconds()), 0),
    )
    headers = {}
    if state == join.JoinState.OPEN:
        # Browsers apply form-action to the redirect after the POST: allow the meeting's
        # site for this page alone.
        headers["Content-Security-Policy"] = _policy_allowing(event.online_url)
    return response, state.status_code, headers


def _registration_or_404(token: str):
    registration = find_by_join_token(token)
    if registration is None:
        abort(404)
    return registration


def _policy_allowing(url: str) -> str:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")


@bp.get("/join/<token>")
@private_page
@manage_rate_limit
def join_page(token: str):
    """Before the window a countdown, inside it a button that joins; changes nothing."""
    registration = _registration_or_404(token)
    return _join_page(registration, token, join.join_state(registration))


@bp.post("/join/<token>")
@private_page
@manage_rate_limit
def join_meeting(token: str):
    """Count the join and send the person on to the meeting (303); refused outside the
    window or when the registration no longer gives access."""
    registration = _registration_or_404(token)
    state = join.join_state(registration)
    if state != join.JoinState.OPEN:
        page, status, headers = _join_page(registration, token, state)
        # Too early (or no date yet) is a conflict with the event's time, not a refusal.
        return page, status if status >= 400 else 409, headers
    meeting_url = join.record_join(registration)
    db.session.commit()
    return redirect(meeting_url, 303)
