"""Organiser identity for Flask-Login, safe redirects, and who may see which event."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.db import lock_row
from webapp.events.models import Event, event_organisers
from webapp.extensions import db, login_manager
from webapp.organiser import two_factor
from webapp.organiser.models import Organiser
from webapp.registration.models import Registration


@login_manager.user_loader
def load_organiser(identity: str) -> Organiser | None:
    """Resolve 'id:session_version'; a stale version (signed out elsewhere) is no one."""
    organiser_id, _, version = identity.partition(":")
    if not (identity.isascii() and organiser_id.isdigit() and version.isdigit()):
        return None
    organiser = db.session.get(Organiser, int(organiser_id))
    if organiser is None or organiser.session_version != int(version):
        return None
    return organiser


@login_manager.unauthorized_handler
def sign_in_first():
    """Signed-out visitors go to the sign-in page, coming back to the page they asked for."""
    target = None
    if request.method == "GET":
        target = request.full_path.rstrip("?")
    return redirect(url_for("organiser.sign_in", next=target))


# What an organiser who must enrol in two-step sign-in may still reach.
ENROLMENT_ENDPOINTS = {
    "organiser.two_factor",
    "organiser.two_factor_start",
    "organiser.two_factor_confirm",
    "organiser.sign_out",
}


def enrolment_redirect():
    """Send a signed-in organiser who must enrol in two-step sign-in to enrolment first."""
    if request.endpoint in ENROLMENT_ENDPOINTS or not two_factor.needs_enrolment(current_user):
        return None
    flash(_("Set up two-step sign-in to continue: it is required on this site."), "error")
    return redirect(url_for("organiser.two_factor"))


def guard_organiser_area(bp: Blueprint, *, admins_only: bool = False) -> None:
    """Make every page of `bp` an organiser page: signed in, enrolled in two-step sign-in
    where the site requires it, for admins only if asked (404 for others), and kept out of
    shared caches (they show attendees' names and addresses)."""

    @bp.before_request
    def require_organiser():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if admins_only:
            admin_or_404()
        return enrolment_redirect()

    @bp.after_request
    def no_store(response):
        response.headers["Cache-Control"] = "no-store"
        return response


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Browsers read `//host`, `/\\host` and `https:host` as other sites, and strip tabs and
    newlines before doing so; anything that is not plainly a local absolute path is refused.
    """
    if not target or len(target) > 2000:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def can_manage(organiser: Organiser, event: Event) -> bool:
    """Admins manage every event; others the events they own or co-organise."""
    if organiser.is_admin or event.owner_id == organiser.id:
        return True
    return any(co.id == organiser.id for co in event.co_organisers)


def visible_to(organiser: Organiser) -> sa.ColumnElement[bool]:
    """A WHERE clause selecting the events `organiser` may see."""
    if organiser.is_admin:
        return sa.true()
    co_organised = sa.select(event_organisers.c.event_id).where(
        event_organisers.c.organiser_id == organiser.id
    )
    return sa.or_(Event.owner_id == organiser.id, Event.id.in_(co_organised))


def event_or_404(event_id: int, *, lock: bool = False) -> Event:
    """The event if the signed-in organiser may manage it; otherwise 404, never a hint.

    With `lock`, the event row is read under the per-event write lock that registrations
    also take, so an edit never interleaves with seat allocation or another edit.
    """
    event = lock_row(db.session, Event, event_id) if lock else db.session.get(Event, event_id)
    if event is None or not can_manage(current_user, event):
        abort(404)
    return event


def registration_or_404(event: Event, registration_id: int) -> Registration:
    """A registration of `event` (already access-checked); anything else is 404."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def admin_or_404() -> None:
    """Admin-only pages do not exist for other organisers."""
    if not current_user.is_admin:
        abort(404)
