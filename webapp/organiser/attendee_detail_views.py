"""One attendee seen by an organiser: every detail, the messages sent, corrections; and
attendees added by hand."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from webapp import audit, i18n
from webapp.countries import country_name
from webapp.extensions import db
from webapp.mail import bounces
from webapp.organiser import bp, trail
from webapp.organiser.attendee_forms import AddAttendeeForm, AttendeeDetailsForm
from webapp.organiser.auth import event_or_404, registration_or_404
from webapp.registration import answers as registration_answers
from webapp.registration import corrections
from webapp.registration.forms import answers_form
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus

# What an organiser may correct, by column name (what the audit log lists as changed).
CORRECTED_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "organisation",
    "role",
    "country",
    "needs",
    "language",
)


def _details_form(registration: Registration, *, submitted: bool) -> AttendeeDetailsForm:
    in_person = registration.attendance_mode == AttendanceMode.IN_PERSON
    if submitted:
        return AttendeeDetailsForm(in_person=in_person)
    return AttendeeDetailsForm(formdata=None, obj=registration, in_person=in_person)


def _stored_answers_form(registration: Registration):
    stored = registration_answers.stored_form_data(registration.id)
    return answers_form(registration, formdata=None, data=stored)


def _detail_page(event, registration, form, status: int = 200, *, answers=None):
    messages = bounces.messages_to(registration.id)
    return render_template(
        "organiser/attendee.html",
        event=event,
        registration=registration,
        form=form,
        answers=registration_answers.answers_for(registration),
        answers_form=answers or _stored_answers_form(registration),
        messages=messages,
        undeliverable=registration.id in bounces.undeliverable_ids([registration.id]),
        country=country_name(registration.country, i18n.current_language()),
        language_name=i18n.language_name(registration.language),
        here=url_for(
            "organiser.attendee_detail", event_id=event.id, registration_id=registration.id
        ),
    ), status


@bp.get("/events/<int:event_id>/attendees/<int:registration_id>")
def attendee_detail(event_id: int, registration_id: int):
    """Everything about one registration, its messages and a form to correct it."""
    event = event_or_404(event_id)
    registration = registration_or_404(event, registration_id)
    return _detail_page(event, registration, _details_form(registration, submitted=False))


@bp.post("/events/<int:event_id>/attendees/<int:registration_id>/details")
def attendee_correct(event_id: int, registration_id: int):
    """Correct someone's details, a mistyped address included, then back to their page."""
    event = event_or_404(event_id)
    registration = registration_or_404(event, registration_id)
    form = _details_form(registration, submitted=True)
    if not form.validate():
        return _detail_page(event, registration, form, 422)
    before = audit.snapshot(registration, CORRECTED_FIELDS)
    try:
        corrections.correct_details(
            registration, form.to_details(), email=form.email.data, language=form.language.data
        )
    except corrections.AddressTaken:
        db.session.rollback()
        form.email.errors.append(
            _("Another registration for this event already uses this address.")
        )
        return _detail_page(event, registration, form, 422)
    fields = audit.changed_fields(before, registration)
    if fields:
        trail.attendee_action("attendee.details_edited", registration, fields=fields)
    db.session.commit()
    name = f"{form.first_name.data} {form.last_name.data}"
    flash(_("The details of %(name)s are saved.", name=name), "success")
    return redirect(url_for(".attendee_detail", event_id=event.id, registration_id=registration_id))


@bp.post("/events/<int:event_id>/attendees/<int:registration_id>/answers")
def attendee_answers(event_id: int, registration_id: int):
    """Correct someone's answers to the event's questions, then back to their page."""
    event = event_or_404(event_id)
    registration = registration_or_404(event, registration_id)
    form = answers_form(registration)
    back = url_for(".attendee_detail", event_id=event.id, registration_id=registration_id)
    if form is None:  # the event asks nothing (any more): nothing to save
        return redirect(back)
    if not form.validate():
        details = _details_form(registration, submitted=False)
        return _detail_page(event, registration, details, 422, answers=form)
    asked = [question.id for question in form.questions]
    try:
        registration_answers.set_answers(registration, asked, form.answers())
    except registration_answers.AnswersClosed:
        db.session.rollback()
        abort(404)
    trail.attendee_action("attendee.answers_edited", registration, questions=asked)
    db.session.commit()
    flash(_("The answers of %(name)s are saved.", name=registration.full_name), "success")
    return redirect(back)


def _add_page(event, form, status: int = 200):
    return render_template("organiser/attendee_add.html", event=event, form=form), status


@bp.get("/events/<int:event_id>/attendees/new")
def attendee_add_form(event_id: int):
    """The form to add someone by hand."""
    event = event_or_404(event_id)
    return _add_page(event, AddAttendeeForm(event=event))


@bp.post("/events/<int:event_id>/attendees/new")
def attendee_add(event_id: int):
    """Register someone on an organiser's word: a seat or the waiting list (or a seat over
    capacity when asked), with or without the confirmation email."""
    event = event_or_404(event_id)
    form = AddAttendeeForm(event=event)
    if not form.validate():
        return _add_page(event, form, 422)
    try:
        added = corrections.add_attendee(
            event,
            form.to_applicant(),
            send_email=form.send_email.data,
            skip_capacity=form.skip_capacity.data,
        )
    except corrections.AlreadyRegistered as error:
        db.session.rollback()
        form.email.errors.append(
            _(
                "%(name)s is already registered with this address.",
                name=error.registration.full_name,
            )
        )
        return _add_page(event, form, 422)
    except corrections.CannotAdd:
        db.session.rollback()
        flash(_("No one can be added: the event is cancelled, over or not published."), "error")
        return _add_page(event, form, 409)
    name, status, added_id = added.full_name, added.status, added.id
    trail.attendee_action(
        "attendee.added",
        added,
        status=status.value,
        email_sent=bool(form.send_email.data),
        over_capacity=bool(form.skip_capacity.data),
    )
    db.session.commit()
    if status == RegistrationStatus.CONFIRMED:
        flash(_("%(name)s is added with a seat.", name=name), "success")
    else:
        flash(_("The event is full: %(name)s is on the waiting list.", name=name), "success")
    return redirect(url_for(".attendee_detail", event_id=event.id, registration_id=added_id), 303)
