"""Postponing an event (date to be announced); its new date is given in the event form, or
it keeps its original date after all."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from webapp.communication import postpone
from webapp.events.services import event_time
from webapp.extensions import db
from webapp.forms import Form
from webapp.organiser import bp, trail
from webapp.organiser.attendees import active_count
from webapp.organiser.auth import event_or_404
from webapp.registration import services as registration_services


class PostponeForm(Form):
    message = TextAreaField(
        _l("Message to attendees about this change"),
        validators=[Optional(), Length(max=2000, message=_l("Use at most %(max)d characters."))],
    )


def _page(event, form, status: int = 200):
    return render_template(
        "organiser/postpone.html",
        event=event,
        form=form,
        time=event_time(event),
        to_tell=active_count(event.id),
    ), status


@bp.get("/events/<int:event_id>/postpone")
def event_postpone_confirm(event_id: int):
    """Ask before postponing, with room for a note to attendees."""
    return _page(event_or_404(event_id), PostponeForm())


@bp.post("/events/<int:event_id>/postpone")
def event_postpone(event_id: int):
    """Mark the event postponed and email everyone registered; registrations are kept."""
    event = event_or_404(event_id, lock=True)
    form = PostponeForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _page(event, form, 422)
    try:
        told = postpone.postpone(event, form.message.data or "")
    except postpone.PostponeError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("organiser.event_detail", event_id=event_id))
    trail.event_action("event.postponed", event, emails=told)
    db.session.commit()
    flash(
        ngettext(
            "The event is postponed. %(num)d attendee will get an email; give the new date "
            "by editing the event's times.",
            "The event is postponed. %(num)d attendees will get an email; give the new date "
            "by editing the event's times.",
            told,
        ),
        "success",
    )
    return redirect(url_for("organiser.event_detail", event_id=event_id))


@bp.post("/events/<int:event_id>/keep-date")
def event_keep_date(event_id: int):
    """End the postponement keeping the original times, and email everyone registered."""
    event = event_or_404(event_id, lock=True)
    form = PostponeForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _page(event, form, 422)
    try:
        told = postpone.keep_original_date(event, form.message.data or "")
    except postpone.PostponeError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("organiser.event_detail", event_id=event_id))
    trail.event_action("event.date_kept", event, emails=told)
    db.session.commit()
    # A separate unit of work: the registration service takes the event lock itself.
    registration_services.fill_from_waitlist(event)
    db.session.commit()
    flash(
        ngettext(
            "The event keeps its original date. %(num)d attendee will get an email.",
            "The event keeps its original date. %(num)d attendees will get an email.",
            told,
        ),
        "success",
    )
    return redirect(url_for("organiser.event_detail", event_id=event_id))
