"""Organiser routes for after the event: the materials and the follow-up email.

One page per event holds both forms. It is open at any time, not only once the event has
ended: organisers prepare the follow-up (sent a set time after the end) and often share
slides before a session; public materials still appear only on the page of a past event.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from webapp import timezones
from webapp.communication import follow_up, materials
from webapp.communication.after_forms import FollowUpForm, MaterialsForm
from webapp.db import now_utc
from webapp.extensions import db
from webapp.organiser import bp, trail
from webapp.organiser.auth import event_or_404


def _page(event, materials_form, follow_up_form, status: int = 200):
    settings = follow_up.follow_up_of(event.id)
    return render_template(
        "organiser/after_event.html",
        event=event,
        materials_form=materials_form,
        follow_up_form=follow_up_form,
        ended=now_utc() >= event.ends_at,
        due=_due(event, settings),
        came_count=follow_up.came_count(event.id),
    ), status


def _due(event, settings) -> str | None:
    """When the follow-up goes out, in the event's zone, if it is switched on."""
    if settings is None or not settings.enabled:
        return None
    return timezones.format_instant(follow_up.due_at(event, settings), event.timezone)


def _materials_form(event) -> MaterialsForm:
    form = MaterialsForm(formdata=None)
    stored = materials.materials_of(event.id)
    if stored is not None:
        form.load(stored)
    return form


def _follow_up_form(event) -> FollowUpForm:
    form = FollowUpForm(formdata=None)
    stored = follow_up.follow_up_of(event.id)
    if stored is not None:
        form.load(stored)
    return form


@bp.get("/events/<int:event_id>/after")
def after_event(event_id: int):
    """The materials and follow-up forms of an event."""
    event = event_or_404(event_id)
    return _page(event, _materials_form(event), _follow_up_form(event))


@bp.post("/events/<int:event_id>/materials")
def save_materials(event_id: int):
    """Save (and publish or withdraw) the event's materials."""
    event = event_or_404(event_id, lock=True)
    form = MaterialsForm()
    if not form.validate():
        db.session.rollback()
        return _page(event, form, _follow_up_form(event), 422)
    data = form.to_data()
    materials.save_materials(event, data)
    trail.event_action(
        "event.materials_saved",
        event,
        published=data.published,
        visibility=data.visibility.value,
        links=len(data.links),
    )
    db.session.commit()
    flash(_("The materials are saved."), "success")
    return redirect(url_for("organiser.after_event", event_id=event_id), 303)


@bp.post("/events/<int:event_id>/follow-up")
def save_follow_up(event_id: int):
    """Save the follow-up email's settings."""
    event = event_or_404(event_id, lock=True)
    form = FollowUpForm()
    if not form.validate():
        db.session.rollback()
        return _page(event, _materials_form(event), form, 422)
    data = form.to_data()
    follow_up.save_follow_up(event, data)
    trail.event_action(
        "event.follow_up_saved", event, enabled=data.enabled, hours_after=data.hours_after
    )
    db.session.commit()
    flash(_("The follow-up email is saved."), "success")
    return redirect(url_for("organiser.after_event", event_id=event_id), 303)
