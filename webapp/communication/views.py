"""Organiser pages for talking to attendees: write, preview and send an announcement;
choose how to hear about registrations, per event and for one's account."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from webapp import audit
from webapp.communication import announcements, notifications
from webapp.communication.forms import AccountSettingsForm, AnnouncementForm, NotificationForm
from webapp.communication.models import NotifyChoice
from webapp.db import begin_write
from webapp.extensions import db
from webapp.organiser import labels, trail
from webapp.organiser.auth import event_or_404, guard_organiser_area

bp = Blueprint("communication", __name__)
guard_organiser_area(bp)


@bp.context_processor
def status_labels() -> dict:
    return labels.template_labels()


@bp.route("/events/<int:event_id>/announcements/new", methods=["GET", "POST"])
def announcement_new(event_id: int):
    """Write an announcement; "Preview" shows it for the first recipient, "Send" sends it."""
    event = event_or_404(event_id)
    form = AnnouncementForm()
    if request.method == "GET":
        return render_template("communication/announcement.html", event=event, form=form)
    if not form.validate_on_submit():
        return render_template("communication/announcement.html", event=event, form=form), 422
    if not form.send.data:
        return _preview(event, form)
    token = request.form.get("preview_token", "")
    try:
        sent = announcements.send(event, current_user.id, form.letter(), form.audience(), token)
    except announcements.NoRecipients:
        db.session.rollback()
        return _nobody(event, form)
    except announcements.PreviewChanged:
        db.session.rollback()
        message = _(
            "The group, the message or the number of recipients changed since the preview. "
            "Check this preview and send again."
        )
        return _preview(event, form, changed=message, status=422)
    except announcements.AlreadySent:
        db.session.rollback()
        flash(_("This announcement was already sent; it was not sent again."), "info")
        return redirect(url_for("organiser.event_detail", event_id=event.id))
    db.session.flush()  # the announcement's id, for the log
    trail.object_action(
        "announcement.sent",
        "announcement",
        sent.id,
        event.id,
        group=form.audience().value,
        recipients=sent.recipients,
    )
    db.session.commit()
    flash(
        ngettext(
            "The announcement is on its way to %(num)d person.",
            "The announcement is on its way to %(num)d people.",
            sent.recipients,
        ),
        "success",
    )
    return redirect(url_for("organiser.event_detail", event_id=event.id))


def _preview(event, form, *, changed: str | None = None, status: int = 200):
    """The page with the preview for the group's first recipient and a new token."""
    found = announcements.preview(event, form.letter(), form.audience())
    if found is None:
        return _nobody(event, form)
    page = render_template(
        "communication/announcement.html", event=event, form=form, preview=found, changed=changed
    )
    return page, status


def _nobody(event, form):
    form.group.errors = [_("Nobody is in this group yet: choose another group.")]
    return render_template("communication/announcement.html", event=event, form=form), 422


@bp.post("/events/<int:event_id>/notifications")
def event_notifications(event_id: int):
    """The signed-in organiser's choice for this event."""
    event = event_or_404(event_id, lock=True)
    form = NotificationForm()
    if not form.validate_on_submit():
        db.session.rollback()
        abort(422)  # only a tampered form: the page offers the valid choices
    notifications.set_choice(event, current_user, NotifyChoice(form.choice.data))
    trail.event_action("event.notifications_changed", event, choice=form.choice.data)
    db.session.commit()
    flash(_("Your notification choice for this event is saved."), "success")
    return redirect(url_for("organiser.event_detail", event_id=event.id))


@bp.route("/account/settings", methods=["GET", "POST"])
def account_settings():
    """The organiser's email language and default notification choice."""
    form = AccountSettingsForm()
    if request.method == "GET":
        form.language.data = current_user.language
        form.notify_default.data = current_user.notify_default
    elif form.validate_on_submit():
        begin_write(db.session)
        organiser = current_user._get_current_object()
        before = audit.snapshot(organiser, ("language", "notify_default"))
        organiser.language = form.language.data
        notifications.set_default(organiser, NotifyChoice(form.notify_default.data))
        if fields := audit.changed_fields(before, organiser):
            trail.object_action(
                "account.settings_changed", "organiser", organiser.id, fields=fields
            )
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("communication.account_settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("communication/account_settings.html", form=form), status
