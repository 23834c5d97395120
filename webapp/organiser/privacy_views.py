"""Admin pages of privacy: the privacy notice's texts, and one person's data (export, erase)."""

from __future__ import annotations

import json

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from webapp import timezones
from webapp.extensions import db
from webapp.organiser import bp
from webapp.organiser.auth import admin_or_404
from webapp.organiser.labels import REGISTRATION_STATUS, label
from webapp.privacy import notice, requests
from webapp.privacy.forms import FIELD_NAMES, NoticeForm, PersonForm
from webapp.registration.services import email_key


@bp.route("/admin/privacy", methods=["GET", "POST"])
def privacy_notice():
    """Edit the privacy notice; a save that changes it publishes a new version."""
    admin_or_404()
    form = NoticeForm()
    if request.method == "GET":
        stored = notice.draft_values()
        for name in FIELD_NAMES:
            form[name].data = stored[f"privacy.{name}"]
    elif form.validate():
        published = notice.publish(form.values(), current_user)
        db.session.commit()
        if published:
            flash(_("The privacy notice is published as version %(version)s.", version=published))
        else:
            flash(_("Nothing changed: the privacy notice stays as it is."))
        return redirect(url_for("organiser.privacy_notice"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "organiser/privacy_notice.html", form=form, current=notice.current()
    ), status


def _people_page(form: PersonForm, status: int = 200, registrations=None):
    rows = [
        {
            "id": r.id,
            "event_id": r.event_id,
            "title": r.event.title,
            "when": timezones.format_instant(r.event.starts_at, r.event.timezone),
            "status": label(REGISTRATION_STATUS, r.status),
        }
        for r in registrations or ()
    ]
    return render_template(
        "organiser/people.html", form=form, rows=rows, looked_up=registrations is not None
    ), status


@bp.route("/admin/people", methods=["GET", "POST"])
def people():
    """Look a person up by address: their registrations across all events."""
    admin_or_404()
    form = PersonForm()
    if request.method == "GET":
        return _people_page(form)
    if not form.validate():
        return _people_page(form, 422)
    return _people_page(form, registrations=requests.registrations_of(email_key(form.email.data)))


@bp.post("/admin/people/export")
def people_export():
    """Download all of a person's data as JSON; the export is audited."""
    admin_or_404()
    form = PersonForm()
    if not form.validate():
        return _people_page(form, 422)
    key = email_key(form.email.data)
    requests.record_export(key, current_user)
    data = requests.export(key)
    db.session.commit()
    return current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="personal-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/admin/people/erase")
def people_erase():
    """Confirm, then cancel and erase every registration of the address; audited."""
    admin_or_404()
    form = PersonForm()
    if not form.validate():
        return _people_page(form, 422)
    key = email_key(form.email.data)
    if not form.confirm.data:
        registrations = requests.registrations_of(key)
        return render_template("organiser/people_erase.html", form=form, count=len(registrations))
    erased = requests.erase(key, actor=current_user)
    db.session.commit()
    if erased.registrations:
        message = ngettext(
            "%(num)d registration and every message about it are erased.",
            "%(num)d registrations and every message about them are erased.",
            erased.registrations,
        )
    else:
        message = _("There was nothing left to erase.")
    flash(message, "success")
    return redirect(url_for("organiser.people"), 303)
