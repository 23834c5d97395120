"""Public privacy pages: the notice, the data request form, and the emailed request page."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.util import get_remote_address

from webapp import caching, i18n, timezones
from webapp.db import now_utc
from webapp.extensions import db, limiter
from webapp.organiser.labels import REGISTRATION_STATUS, label
from webapp.privacy import notice, requests
from webapp.privacy.forms import ConfirmForm, DataRequestForm
from webapp.registration.services import email_key
from webapp.registration.views import manage_rate_limit
from webapp.security import private_page

bp = Blueprint("privacy", __name__)

MODES = {"in_person": _l("In person"), "online": _l("Online")}


def _client_limit() -> str:
    return current_app.config["DATA_REQUEST_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["DATA_REQUEST_ADDRESS_LIMIT"]


def _requested_address() -> str:
    # Every spelling of one address shares its budget; the text is never stored.
    return "data-request/" + email_key((request.form.get("email") or "")[:254])


def _day(instant) -> str:
    return timezones.format_day(instant.date()) if instant else ""


@bp.get("/privacy")
def notice_page():
    """The privacy notice in force, or an earlier version (?version=label)."""
    label_asked = request.args.get("version", "")
    shown = notice.find(label_asked) if label_asked else notice.latest()
    if label_asked and shown is None:
        abort(404)
    current = notice.current()
    shown = shown or current

    def render():
        html = render_template(
            "privacy/notice.html",
            shown=shown,
            shown_date=_day(shown.published_at),
            current=current,
            versions=[(v.label, _day(v.published_at)) for v in notice.versions()],
            retention=notice.retention(),
        )
        return html, None

    return caching.cached_page(render, label_asked)


@bp.route("/privacy/request", methods=["GET", "POST"])
@limiter.limit(_client_limit, methods=["POST"], key_func=get_remote_address)
@limiter.limit(_address_limit, methods=["POST"], key_func=_requested_address)
def request_form():
    """Ask for a link to one's data; the same answer whether or not we know the address."""
    form = DataRequestForm()
    if request.method == "GET":
        return render_template("privacy/request.html", form=form)
    if form.is_bot(now=now_utc()):
        return redirect(url_for(".request_sent"), 303)
    if not form.validate():
        return render_template("privacy/request.html", form=form), 422
    config = current_app.config
    token = requests.make_token(form.email.data, config["SECRET_KEY"])
    link = config["CONVENE_BASE_URL"] + url_for(".request_page", token=token)
    hours = max(int(config["DATA_REQUEST_LINK_MAX_AGE"]) // 3600, 1)
    requests.send_link(form.email.data, link, hours=hours, language=i18n.current_language())
    db.session.commit()
    return redirect(url_for(".request_sent"), 303)


@bp.get("/privacy/request/sent")
def request_sent():
    """What happens next, the same for every address."""
    return render_template("privacy/request_sent.html")


def _key_or_error(token: str):
    """The address key of a request link, or the error page to answer with."""
    try:
        return requests.address_key(
            token, current_app.config["SECRET_KEY"], current_app.config["DATA_REQUEST_LINK_MAX_AGE"]
        ), None
    except requests.BadLink as error:
        status = 400 if error.expired else 404
        return None, (render_template("privacy/bad_link.html", expired=error.expired), status)


def _shown_status(registration) -> str:
    """The status a person recognises: a held place awaits their email confirmation, and
    one released for want of it says so."""
    if registration.is_held:
        return "awaiting_confirmation"
    if registration.hold_expired:
        return "hold_expired"
    return registration.status.value


def _rows(registrations) -> list[dict]:
    return [
        {
            "title": r.event.title,
            "when": timezones.format_instant(r.event.starts_at, r.event.timezone),
            "status": label(REGISTRATION_STATUS, _shown_status(r)),
            "mode": label(MODES, r.attendance_mode),
            "created": timezones.format_instant(r.created_at, r.event.timezone),
        }
        for r in registrations
    ]


@bp.get("/privacy/requests/<token>")
@private_page
@manage_rate_limit
def request_page(token: str):
    """Every registration of the link's address, the download, and the way to erase."""
    key, error = _key_or_error(token)
    if error:
        return error
    rows = _rows(requests.registrations_of(key))
    return render_template("privacy/subject.html", rows=rows, token=token, email=key)


@bp.get("/privacy/requests/<token>/data.json")
@private_page
@manage_rate_limit
def request_download(token: str):
    """All the address's data as a JSON file."""
    key, error = _key_or_error(token)
    if error:
        return error
    body = json.dumps(requests.export(key), ensure_ascii=False, indent=2)
    if request.method == "GET":  # the person's own download is logged like an admin's
        requests.record_export(key, None)
        db.session.commit()
    return current_app.response_class(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
    )


@bp.route("/privacy/requests/<token>/erase", methods=["GET", "POST"])
@private_page
@manage_rate_limit
def request_erase(token: str):
    """Confirm, then cancel and erase every registration of the address."""
    key, error = _key_or_error(token)
    if error:
        return error
    form = ConfirmForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        rows = _rows(requests.registrations_of(key))
        return render_template("privacy/erase.html", form=form, rows=rows, token=token), status
    erased = requests.erase(key)
    db.session.commit()
    flash(_erased_message(erased), "success")
    return redirect(url_for(".request_page", token=token), 303)


def _erased_message(erased: requests.SubjectErased) -> str:
    if not erased.registrations:
        return _("There was nothing left to erase.")
    return ngettext(
        "We erased %(num)d registration and every message about it.",
        "We erased %(num)d registrations and every message about them.",
        erased.registrations,
    )
