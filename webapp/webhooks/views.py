"""Organiser pages for webhooks: list, create, edit with deliveries, pause, rotate, delete,
test and retry; and the admin's setting for private addresses."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import site_settings
from webapp.db import begin_write
from webapp.events.models import Event
from webapp.extensions import db
from webapp.organiser.auth import admin_or_404, guard_organiser_area, visible_to
from webapp.webhooks import addresses, subscriptions
from webapp.webhooks.forms import (
    DELIVERY_STATES,
    TYPE_LABELS,
    WebhookForm,
    WebhookSettingsForm,
)

EVENTS_OFFERED = 200

bp = Blueprint("webhooks", __name__)


guard_organiser_area(bp)


def _form(hook=None) -> WebhookForm:
    """The form, offering the newest events and always the webhook's own event."""
    form = WebhookForm()
    events = list(
        db.session.scalars(
            sa.select(Event)
            .where(visible_to(current_user))
            .order_by(Event.starts_at.desc())
            .limit(EVENTS_OFFERED)
        )
    )
    # An older event than the newest EVENTS_OFFERED must stay choosable, or editing its
    # webhook could never validate.
    if hook is not None and hook.event is not None and hook.event not in events:
        events.append(hook.event)
    form.set_events(events)
    return form


def _hook_or_404(webhook_id: int, *, lock: bool = False):
    hook = subscriptions.owned(current_user, webhook_id, lock=lock)
    if hook is None:
        abort(404)
    return hook


@bp.get("/webhooks")
def webhook_list():
    """The organiser's webhooks."""
    hooks = subscriptions.of_organiser(current_user)
    return render_template("webhooks/list.html", hooks=hooks, labels=TYPE_LABELS)


@bp.route("/webhooks/new", methods=["GET", "POST"])
def webhook_new():
    """Register a URL; its signing secret is shown on the next page."""
    form = _form()
    if request.method == "GET":
        return render_template("webhooks/form.html", form=form, hook=None)
    if not form.validate_on_submit():
        return render_template("webhooks/form.html", form=form, hook=None), 422
    hook = subscriptions.create(current_user, form.to_data())
    db.session.commit()
    flash(_("The webhook is saved. Use its secret to check each request's signature."), "success")
    return redirect(url_for(".webhook_edit", webhook_id=hook.id))


@bp.route("/webhooks/<int:webhook_id>", methods=["GET", "POST"])
def webhook_edit(webhook_id: int):
    """A webhook's settings, secret and latest deliveries."""
    hook = _hook_or_404(webhook_id)
    if request.method == "GET":
        return _edit_page(hook, _filled_form(hook))
    form = _form(hook)
    if not form.validate_on_submit():
        return _edit_page(hook, form, 422)
    hook = _hook_or_404(webhook_id, lock=True)
    subscriptions.update(current_user, hook, form.to_data())
    db.session.commit()
    flash(_("The webhook is saved."), "success")
    return redirect(url_for(".webhook_edit", webhook_id=hook.id))


def _filled_form(hook) -> WebhookForm:
    """The form showing the webhook as it is."""
    form = _form(hook)
    form.url.data, form.active.data = hook.url, hook.active
    form.scope.data = str(hook.event_id) if hook.event_id else ""
    form.event_types.data = hook.types
    return form


def _edit_page(hook, form, status: int = 200):
    deliveries = subscriptions.recent_deliveries(hook)
    page = render_template(
        "webhooks/form.html",
        form=form,
        hook=hook,
        deliveries=deliveries,
        delivery_states=DELIVERY_STATES,
    )
    return page, status


@bp.post("/webhooks/<int:webhook_id>/pause")
def webhook_pause(webhook_id: int):
    """Pause an active webhook, or resume a paused one."""
    hook = _hook_or_404(webhook_id, lock=True)
    subscriptions.set_active(current_user, hook, not hook.active)
    db.session.commit()
    flash(_("The webhook is active.") if hook.active else _("The webhook is paused."), "success")
    return redirect(url_for(".webhook_edit", webhook_id=hook.id))


@bp.post("/webhooks/<int:webhook_id>/rotate")
def webhook_rotate(webhook_id: int):
    """Replace the signing secret."""
    hook = _hook_or_404(webhook_id, lock=True)
    subscriptions.rotate_secret(current_user, hook)
    db.session.commit()
    flash(_("The webhook has a new secret: requests from now on are signed with it."), "success")
    return redirect(url_for(".webhook_edit", webhook_id=hook.id))


@bp.post("/webhooks/<int:webhook_id>/delete")
def webhook_delete(webhook_id: int):
    """Delete the webhook and its deliveries."""
    hook = _hook_or_404(webhook_id, lock=True)
    subscriptions.delete(current_user, hook)
    db.session.commit()
    flash(_("The webhook is deleted."), "success")
    return redirect(url_for(".webhook_list"))


@bp.post("/webhooks/<int:webhook_id>/ping")
def webhook_ping(webhook_id: int):
    """Queue a test request."""
    hook = _hook_or_404(webhook_id, lock=True)
    subscriptions.ping(current_user, hook)
    db.session.commit()
    flash(_("A test request is queued: it is sent within a minute."), "success")
    return redirect(url_for(".webhook_edit", webhook_id=hook.id))


@bp.post("/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/retry")
def delivery_retry(webhook_id: int, delivery_id: int):
    """Send a delivery that has not arrived again at the next round."""
    hook = _hook_or_404(webhook_id, lock=True)
    try:
        subscriptions.retry(current_user, hook, delivery_id)
    except subscriptions.RetryRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return _edit_page(hook, _filled_form(hook), 409)
    db.session.commit()
    flash(_("The request will be sent again within a minute."), "success")
    return redirect(url_for(".webhook_edit", webhook_id=hook.id))


@bp.route("/admin/webhooks", methods=["GET", "POST"])
def admin_settings():
    """Whether webhooks may call addresses on private networks (admins only)."""
    admin_or_404()
    form = WebhookSettingsForm()
    if request.method == "GET":
        form.allow_private.data = addresses.allow_private()
        return render_template("webhooks/admin.html", form=form)
    if not form.validate_on_submit():
        return render_template("webhooks/admin.html", form=form), 422
    begin_write(db.session)
    site_settings.save({addresses.ALLOW_PRIVATE_KEY: bool(form.allow_private.data)}, current_user)
    db.session.commit()
    flash(_("The webhook setting is saved."), "success")
    return redirect(url_for(".admin_settings"))
