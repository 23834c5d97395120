"""Organiser event pages: list, create, edit with a time preview, and the status buttons."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from webapp import i18n, timezones
from webapp.communication import announcements, notifications
from webapp.communication.forms import GROUP_LABELS, NotificationForm
from webapp.events.models import Event
from webapp.events.services import event_time, public_url
from webapp.extensions import db
from webapp.organiser import accounts, bp, services, trail
from webapp.organiser.attendees import active_count, counts_for_events, waitlist_closed_at
from webapp.organiser.auth import can_manage, event_or_404, visible_to
from webapp.organiser.event_forms import EventForm, event_form
from webapp.organiser.forms import CoOrganiserForm
from webapp.organiser.purged import purged_view
from webapp.registration import services as registration_services
from webapp.registration.availability import hybrid_seats, mode_seats


@bp.get("/events")
def events():
    """The events this organiser may manage, latest start first."""
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = sa.select(Event).where(visible_to(current_user)).order_by(Event.starts_at.desc())
    pagination = db.paginate(stmt, page=page, per_page=25, error_out=False, count=True)
    rows = [(event, event_time(event)) for event in pagination.items]
    counts = counts_for_events([event.id for event in pagination.items])
    return render_template(
        "organiser/events.html",
        pagination=pagination,
        rows=rows,
        counts=counts,
        seats=hybrid_seats(pagination.items),
    )


def _render_form(form: EventForm, event: Event | None, status: int = 200):
    preview = None
    if form.preview.data and getattr(form, "schedule", None) is not None and status == 200:
        preview = services.schedule_preview(form.schedule)
    return render_template(
        "organiser/event_form.html",
        form=form,
        event=event,
        preview=preview,
        zone_names=timezones.all_zone_names(),
        language_names=dict(i18n.language_choices()),
        retention_default=current_app.config["PERSONAL_DATA_RETENTION_MONTHS"],
    ), status


@bp.route("/events/new", methods=["GET", "POST"])
def event_new():
    """A new draft event; "Check the time" shows what the local times mean in UTC."""
    form = event_form()
    if request.method == "GET":
        form.timezone.data = current_user.last_timezone
        form.organiser_name.data = current_user.name
        form.organiser_email.data = current_user.email
        return _render_form(form, None)
    if not form.validate_on_submit():
        return _render_form(form, None, 422)
    if form.preview.data:
        return _render_form(form, None)
    try:
        event = services.create_event(current_user, form.to_data())
    except services.SlugTaken as error:
        form.slug.errors.append(str(error))
        return _render_form(form, None, 422)
    trail.event_action("event.created", event)
    db.session.commit()
    flash(_("The event is saved as a draft. Publish it when it is ready."), "success")
    return redirect(url_for("organiser.event_detail", event_id=event.id))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def event_edit(event_id: int):
    """Edit an event; moving a published one tells its attendees and updates their calendars."""
    event = event_or_404(event_id, lock=request.method == "POST")
    form = event_form()
    if request.method == "GET":
        form.load(event)
        return _render_form(form, event)
    if not form.validate_on_submit():
        return _render_form(form, event, 422)
    if form.preview.data:
        return _render_form(form, event)
    capacity_before, online_before = event.capacity, event.online_capacity
    try:
        outcome = services.update_event(event, current_user, form.to_data())
    except services.SlugTaken as error:
        form.slug.errors.append(str(error))
        return _render_form(form, event, 422)
    except services.EventStateError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("organiser.event_detail", event_id=event_id))
    _record_edit(event, outcome)
    db.session.commit()
    flash(_saved_message(outcome), "success")
    if outcome.moved or services.seats_added(capacity_before, event, online_before):
        # A separate unit of work: the registration service takes the event lock itself.
        promoted = registration_services.fill_from_waitlist(event)
        db.session.commit()
        if promoted:
            flash(
                ngettext(
                    "Seats went to %(num)d person from the waiting list.",
                    "Seats went to %(num)d people from the waiting list.",
                    len(promoted),
                ),
                "success",
            )
    return redirect(url_for("organiser.event_detail", event_id=event.id))


def _record_edit(event: Event, outcome: services.ChangeOutcome) -> None:
    """An edit that changed something is logged with the names of the fields it changed."""
    if outcome.fields:
        trail.event_action("event.edited", event, fields=list(outcome.fields))
    if outcome.rescheduled:
        trail.event_action("event.rescheduled", event)


def _saved_message(outcome: services.ChangeOutcome) -> str:
    if not outcome.announced:
        return _("The event is saved.")
    if not outcome.queued:
        return _("The event is saved. Nobody is registered yet, so no emails were needed.")
    return ngettext(
        "The event is saved. %(num)d attendee will get an email with the new details and an "
        "updated calendar invitation.",
        "The event is saved. %(num)d attendees will get an email with the new details and an "
        "updated calendar invitation.",
        outcome.queued,
    )


@bp.get("/events/<int:event_id>")
def event_detail(event_id: int):
    """One event: its time and place, status buttons, email delivery and co-organisers."""
    event = event_or_404(event_id)
    return render_template(
        "organiser/event.html",
        event=event,
        time=event_time(event),
        preview=services.schedule_preview(event),
        public_link=public_url(event, current_app.config["CONVENE_BASE_URL"]),
        counts=counts_for_events([event.id]).get(event.id),
        mode_seats=mode_seats(event) if event.is_hybrid else None,
        waitlist_closed=waitlist_closed_at(event),
        delivery=services.delivery_summary(event.id),
        co_form=CoOrganiserForm(),
        languages=_languages_of(event),
        announcements=announcements.history(event.id),
        notify_form=_notify_form(event),
        group_labels=GROUP_LABELS,
        purged=purged_view(event),
    )


def _notify_form(event: Event) -> NotificationForm:
    """The signed-in organiser's notification choice for the event, ready to change."""
    form = NotificationForm()
    form.choice.data = notifications.choices_for(event).get(current_user.id, "none")
    return form


def _languages_of(event: Event) -> list[str]:
    """The names of the languages the event's text is given in, its main language first."""
    given = [event.language, *(t.language for t in event.translations)]
    return [i18n.language_name(code) for code in i18n.languages() if code in given] + [
        code for code in given if code not in i18n.languages()
    ]


def _state_change(event_id: int, change, success, record=None):
    """Run one service on the locked event, log it, commit, and report; `success` may use
    the result, and `record(event, result)` writes the audit entry."""
    event = event_or_404(event_id, lock=True)
    try:
        result = change(event)
    except services.EventStateError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        if record is not None:
            record(event, result)
        db.session.commit()
        flash(success(result) if callable(success) else success, "success")
        if not can_manage(current_user, event):  # e.g. a co-organiser removed themselves
            return redirect(url_for("organiser.events"))
    return redirect(url_for("organiser.event_detail", event_id=event.id))


@bp.post("/events/<int:event_id>/publish")
def event_publish(event_id: int):
    """Show the event in the public catalogue."""
    return _state_change(
        event_id,
        services.publish,
        _("The event is published."),
        lambda event, _result: trail.event_action("event.published", event),
    )


@bp.post("/events/<int:event_id>/unpublish")
def event_unpublish(event_id: int):
    """Back to draft, when nobody has registered yet."""
    return _state_change(
        event_id,
        lambda event: services.unpublish(event, active_count(event.id)),
        _("The event is back to draft and no longer public."),
        lambda event, _result: trail.event_action("event.unpublished", event),
    )


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
def event_cancel(event_id: int):
    """Confirm, then cancel the event and email everyone registered."""
    event = event_or_404(event_id)
    if request.method == "GET":
        return render_template(
            "organiser/cancel.html",
            event=event,
            time=event_time(event),
            to_tell=active_count(event.id),
        )
    return _state_change(
        event_id,
        services.cancel_event,
        lambda queued: ngettext(
            "The event is cancelled. %(num)d attendee will get a cancellation email that "
            "also removes it from their calendars.",
            "The event is cancelled. %(num)d attendees will get a cancellation email that "
            "also removes it from their calendars.",
            queued,
        ),
        lambda event, queued: trail.event_action("event.cancelled", event, emails=queued),
    )


@bp.post("/events/<int:event_id>/duplicate")
def event_duplicate(event_id: int):
    """A draft copy to adjust, e.g. for next year's edition."""
    copy = services.duplicate_event(event_or_404(event_id), current_user)
    db.session.flush()  # the copy's id, for the log
    trail.event_action("event.duplicated", copy, source=event_id)
    db.session.commit()
    flash(_("This is a draft copy. Adjust the dates and publish it when ready."), "success")
    return redirect(url_for("organiser.event_edit", event_id=copy.id))


@bp.post("/events/<int:event_id>/organisers")
def co_organiser_add(event_id: int):
    """Let another organiser account manage this event."""
    event = event_or_404(event_id)
    form = CoOrganiserForm()
    if not form.validate_on_submit():
        flash(_("Enter the email address of an organiser account."), "error")
        return redirect(url_for("organiser.event_detail", event_id=event.id))
    return _state_change(
        event_id,
        lambda e: services.add_co_organiser(e, accounts.find_by_email(form.email.data)),
        _(
            "%(email)s can now manage this event.",
            email=accounts.normalise_email(form.email.data),
        ),
        lambda event, _result: trail.event_action(
            "event.co_organiser_added", event, organiser=event.co_organisers[-1].id
        ),
    )


@bp.post("/events/<int:event_id>/organisers/<int:organiser_id>/remove")
def co_organiser_remove(event_id: int, organiser_id: int):
    """Stop a co-organiser from managing this event."""
    return _state_change(
        event_id,
        lambda event: services.remove_co_organiser(event, organiser_id),
        _("The co-organiser was removed from this event."),
        lambda event, removed: (
            trail.event_action("event.co_organiser_removed", event, organiser=organiser_id)
            if removed
            else None
        ),
    )
