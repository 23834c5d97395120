"""The session's side of signing in: after the password, the marker; after both steps,
Flask-Login's sign-in. Used by the sign-in and two-step views."""

from __future__ import annotations

from flask import current_app, redirect, session, url_for
from flask_login import login_user

from webapp.extensions import db
from webapp.organiser import sign_in_steps, two_factor
from webapp.organiser.models import Organiser

MARKER_KEY = "password_passed"
PENDING_KEY = "two_factor_pending"


def password_passed(organiser: Organiser, target: str | None):
    """After a right password: sign in, or hand over to the code or enrolment step."""
    session.clear()  # a fresh session: nothing carried over from before sign-in
    if organiser.has_two_factor:
        purpose, endpoint = "code", "organiser.second_step"
    elif two_factor.needs_enrolment(organiser):
        purpose, endpoint = "enrol", "organiser.two_factor"
    else:
        return complete(organiser, None, target)
    secret_key = current_app.config["SECRET_KEY"]
    session[MARKER_KEY] = sign_in_steps.issue_marker(organiser, purpose, secret_key)
    return redirect(url_for(endpoint, next=target))


def marker_organiser(purpose: str) -> Organiser | None:
    """The organiser whose password passed in this session, for `purpose`, if still live."""
    config = current_app.config
    return sign_in_steps.read_marker(
        session.get(MARKER_KEY),
        config["SECRET_KEY"],
        purpose,
        max_age=config["TWO_FACTOR_STEP_MAX_AGE"],
        max_attempts=config["TWO_FACTOR_MAX_ATTEMPTS"],
    )


def marker_account() -> int | None:
    """The account the session's marker names, signed but not checked further."""
    return sign_in_steps.marker_account(session.get(MARKER_KEY), current_app.config["SECRET_KEY"])


def sign_in_now(organiser: Organiser, second_factor: str | None) -> None:
    """Audit and commit the sign-in, then give this browser a fresh signed-in session."""
    sign_in_steps.record_signed_in(organiser, second_factor)
    db.session.commit()
    session.clear()
    login_user(organiser)


def complete(organiser: Organiser, second_factor: str | None, target: str | None):
    """Sign in after every step passed, and go where the organiser was heading."""
    sign_in_now(organiser, second_factor)
    return redirect(target or url_for("organiser.events"))
