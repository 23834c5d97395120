"""Manage-token routes for seats: confirming the email address of a held place, and
switching between the room and online at a hybrid event."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from webapp import timezones
from webapp.db import now_utc
from webapp.extensions import db
from webapp.registration import answers as registration_answers
from webapp.registration import holds, modes, services
from webapp.registration.views import _about, _registration_or_404, manage_rate_limit
from webapp.security import private_page

# Its own blueprint, so that registration.views need not import this module back; the
# URLs sit beside the manage page's (/r/<token>/...) and share its rate limit.
bp = Blueprint("seats", __name__)


def _confirm_page(registration, token: str, status: int = 200):
    now = now_utc()
    return render_template(
        "registration/confirm_email.html",
        **_about(registration, token),
        expired=holds.hold_has_passed(registration, now),
        held_until=timezones.format_instant(
            registration.hold_expires_at, registration.event.timezone
        )
        if registration.hold_expires_at
        else "",
    ), status


@bp.get("/r/<token>/confirm")
@private_page
@manage_rate_limit
def confirm_email_page(token: str):
    """The page the confirm button of the email opens; only its own button (a POST)
    confirms, so a mail scanner fetching the link changes nothing."""
    registration = _registration_or_404(token)
    if not registration.is_held and not registration.hold_expired:
        return redirect(url_for("registration.manage", token=token), 303)
    return _confirm_page(registration, token)


@bp.post("/r/<token>/confirm")
@private_page
@manage_rate_limit
def confirm_email(token: str):
    """Confirm the address while the place is held; after the hold, say so (409)."""
    registration = _registration_or_404(token)
    try:
        confirmed = holds.confirm_email(registration)
    except holds.HoldExpired:
        db.session.rollback()
        return _confirm_page(registration, token, 409)
    db.session.commit()
    if confirmed:
        flash(_("Thank you: your email address is confirmed."), "success")
    return redirect(url_for("registration.manage", token=token), 303)


@bp.post("/r/<token>/mode")
@private_page
@manage_rate_limit
def switch_mode(token: str):
    """Attend in the other mode of a hybrid event, if it has a free seat."""
    registration = _registration_or_404(token)
    try:
        registration = modes.switch_mode(registration)
    except services.EventFull:
        db.session.rollback()
        abort(409, _("Sorry, no seat is free in the other mode right now."))
    except services.InvalidTransition:
        db.session.rollback()
        abort(409, _("How you attend can no longer be changed online."))
    db.session.commit()
    online = registration.attendance_mode == "online"
    flash(_("You now attend online.") if online else _("You now attend in person."), "success")
    if not online and registration_answers.in_person_question_ids(registration.event_id):
        flash(_("Please answer the questions for attendees in the room below."), "info")
    return redirect(url_for("registration.manage", token=token), 303)
