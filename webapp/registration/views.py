"""Registration routes: the form, the page after it, and the attendee's manage pages."""

from __future__ import annotations

from babel import Locale
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from webapp import i18n, timezones
from webapp.communication import join
from webapp.communication.after_event import after_event_values
from webapp.countries import country_name
from webapp.db import now_utc
from webapp.events import services as events
from webapp.extensions import db, limiter
from webapp.privacy import notice
from webapp.registration import answers as registration_answers
from webapp.registration import corrections, modes, services
from webapp.registration.answers import AnswersClosed, answers_for, can_correct_answers
from webapp.registration.availability import event_over, window_state
from webapp.registration.forms import (
    DetailsForm,
    EmailLanguageForm,
    answers_form,
    registration_form,
)
from webapp.registration.models import AttendanceMode, RegistrationStatus
from webapp.registration.tokens import join_token
from webapp.security import private_page

bp = Blueprint("registration", __name__)

# Where the page after a registration finds what to show; never the manage token.
DONE_KEY = "registration_done"


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _flood_limit() -> str:
    return current_app.config["REGISTRATION_FLOOD_LIMIT"]


def _manage_limit() -> str:
    return current_app.config["MANAGE_RATE_LIMIT"]


def _client_and_event() -> str:
    return f"{get_remote_address()}/{request.view_args['slug']}"


def _registration_accepted(response) -> bool:
    # The redirect to the page after registering (a bot's fake success looks the same).
    return response.status_code == 303


# Colleagues in one office share an address: they may register for an event up to
# REGISTRATION_RATE_LIMIT times a minute, and only registrations that went through count,
# so mistakes in the form cost nothing. Every POST counts towards the address's flood
# ceiling across all events. Both limits are shared ones, named by their scope alone, so
# the same form under another URL (a language prefix) draws on the same budgets.
accepted_registration_limit = limiter.shared_limit(
    _registration_limit,
    scope="registration-accepted",
    key_func=_client_and_event,
    deduct_when=_registration_accepted,
)
registration_flood_limit = limiter.shared_limit(_flood_limit, scope="registration-flood")


# One budget per client for all pages behind a manage token (guessing tokens is pointless,
# but a client hammering them is not welcome). Other features reuse it on their /r/ routes,
# below webapp.security.private_page like the routes here.
manage_rate_limit = limiter.shared_limit(_manage_limit, scope="manage")


def _unavailable(event, state, status: int = 200):
    opens = None
    if event.registration_opens_at is not None:
        opens = timezones.format_instant(event.registration_opens_at, event.timezone)
    return render_template(
        "registration/unavailable.html",
        event=event,
        text=_text(event),
        state=state,
        opens=opens,
    ), status


def _language_in_page(code: str) -> str:
    """A language's name in the page's language: 'Danish', 'dansk', 'danska', 'Dänisch'."""
    return Locale.parse(code).get_display_name(i18n.current_language()) or code


def _text(event):
    """The event's title, summary and description in the page's language, if given."""
    return event.text_in(i18n.current_language())


def _form_page(event, form, status: int = 200):
    return render_template(
        "registration/form.html",
        event=event,
        text=_text(event),
        form=form,
        time=events.event_time(event),
        availability=services.availability(event),
        privacy_version=notice.current_version(),
    ), status


@bp.get("/events/<slug>/register")
def register_form(slug: str):
    """The registration form, or why one can't register now."""
    event = events.get_public_or_404(slug)
    state = window_state(event)
    if not state.accepts_registrations:
        return _unavailable(event, state)
    return _form_page(event, registration_form(event))


@bp.post("/events/<slug>/register")
@registration_flood_limit
@accepted_registration_limit
def register(slug: str):
    """Validate, register (or quietly accept a repeat or a bot), then redirect."""
    event = events.get_public_or_404(slug)
    state = window_state(event)
    if not state.accepts_registrations:
        return _unavailable(event, state, 409)
    form = registration_form(event)
    if form.is_bot(now=now_utc()):
        # Looks exactly like success; stores and sends nothing.
        return _done_redirect(slug, (form.email.data or "").strip()[:254])
    if not form.validate():
        return _form_page(event, form, 422)
    try:
        services.register(event, form.to_applicant())
    except services.RegistrationUnavailable as error:
        db.session.rollback()
        return _unavailable(event, error.state, 409)
    except services.QuestionsChanged:
        db.session.rollback()
        return _questions_changed(event)
    db.session.commit()
    return _done_redirect(slug, form.email.data)


def _questions_changed(event):
    """The organiser changed the questions while the form was filled in: ask again."""
    form = registration_form(event)
    form.validate()
    flash(_("The questions on this form have just changed. Please check your answers."), "error")
    return _form_page(event, form, 409)


def _done_redirect(slug: str, email: str):
    # The same page for a first registration, a repeated one and a bot: the response
    # never tells whether an address was already registered.
    session[DONE_KEY] = {"slug": slug, "email": email}
    return redirect(url_for(".registered", slug=slug), 303)


@bp.get("/events/<slug>/registered")
def registered(slug: str):
    """What happens next: check your email."""
    event = events.get_public_or_404(slug)
    done = session.get(DONE_KEY) or {}
    email = done.get("email") if done.get("slug") == slug else None
    return render_template(
        "registration/registered.html", event=event, text=_text(event), email=email
    )


def _registration_or_404(token: str):
    registration = services.find_by_token(token)
    if registration is None:
        abort(404)
    return registration


@bp.get("/r/<token>")
@private_page
@manage_rate_limit
def manage(token: str):
    """The attendee's own page: event, status, waiting-list position, cancel, invite."""
    registration = _registration_or_404(token)
    return _manage_page(registration, token, EmailLanguageForm(language=registration.language))


def _details_form(registration, *, submitted: bool = False) -> DetailsForm:
    """The details form: as posted, or prefilled from the registration."""
    in_person = registration.attendance_mode == AttendanceMode.IN_PERSON
    if submitted:
        return DetailsForm(in_person=in_person)
    return DetailsForm(formdata=None, obj=registration, in_person=in_person)


def _manage_page(
    registration, token: str, language_form, status: int = 200, *, answers=None, details_form=None
):
    answers_open = can_correct_answers(registration)
    if answers is None and answers_open:
        stored = registration_answers.stored_form_data(registration.id)
        answers = answers_form(registration, formdata=None, data=stored)
    return render_template(
        "registration/manage.html",
        **_about(registration, token),
        position=services.waitlist_position(registration),
        can_cancel=services.can_cancel(registration),
        over=event_over(registration.event),
        language_form=language_form,
        details_form=details_form or _details_form(registration),
        can_correct=corrections.can_correct(registration),
        email_language=_language_in_page(registration.language),
        country=country_name(registration.country, i18n.current_language()),
        answers=answers_for(registration, include_hidden=False),
        answers_form=answers if answers_open else None,
        switch_to=_switch_to(registration),
        join_url=_join_url(registration),
        **after_event_values(registration),
    ), status


def _join_url(registration) -> str:
    """The person's own join link, while it can still open the meeting for them."""
    if join.join_state(registration) not in join.USABLE_STATES:
        return ""
    return url_for("join.join_page", token=join_token(registration))


def _switch_to(registration):
    """The other mode of a hybrid event, if the person may move there now (a free seat)."""
    if not modes.may_switch(registration):
        return None
    target = modes.other_mode(registration)
    return target if modes.seat_free(registration.event, target, now_utc()) else None


def _about(registration, token: str) -> dict:
    """What every page behind a manage token shows: the registration and its event."""
    event = registration.event
    return {
        "registration": registration,
        "event": event,
        "text": _text(event),
        "token": token,
        "time": events.event_time(event),
    }


@bp.get("/r/<token>/cancel")
@private_page
@manage_rate_limit
def cancel_confirm(token: str):
    """Ask before cancelling; a GET (or a mail scanner) changes nothing."""
    registration = _registration_or_404(token)
    if not services.can_cancel(registration):
        return redirect(url_for(".manage", token=token), 303)
    return render_template("registration/cancel.html", **_about(registration, token))


@bp.post("/r/<token>/cancel")
@private_page
@manage_rate_limit
def cancel(token: str):
    """Cancel the registration (idempotent), then back to the manage page."""
    registration = _registration_or_404(token)
    if registration.status == RegistrationStatus.CANCELLED:
        return redirect(url_for(".manage", token=token), 303)
    if not services.can_cancel(registration):
        abort(409, _("This registration can no longer be cancelled online."))
    services.cancel(registration)
    db.session.commit()
    flash(_("Your registration has been cancelled."), "success")
    return redirect(url_for(".manage", token=token), 303)


@bp.post("/r/<token>/language")
@private_page
@manage_rate_limit
def email_language(token: str):
    """Choose the language of the emails still to come, then back to the manage page."""
    registration = _registration_or_404(token)
    form = EmailLanguageForm()
    if not form.validate():
        return _manage_page(registration, token, form, 422)
    services.set_language(registration, form.language.data)
    db.session.commit()
    flash(
        _(
            "From now on we write to you in %(language)s.",
            language=_language_in_page(form.language.data),
        ),
        "success",
    )
    return redirect(url_for(".manage", token=token), 303)


@bp.post("/r/<token>/answers")
@private_page
@manage_rate_limit
def correct_answers(token: str):
    """Change the answers to the event's questions, then back to the manage page."""
    registration = _registration_or_404(token)
    if not can_correct_answers(registration):
        abort(409, _("These answers can no longer be changed."))
    form = answers_form(registration)
    if form is None:
        abort(404)
    if not form.validate():
        language_form = EmailLanguageForm(language=registration.language)
        return _manage_page(registration, token, language_form, 422, answers=form)
    asked = [question.id for question in form.questions]
    try:
        registration_answers.correct_answers(registration, asked, form.answers())
    except AnswersClosed:
        db.session.rollback()
        abort(409, _("These answers can no longer be changed."))
    db.session.commit()
    flash(_("Your answers are saved."), "success")
    return redirect(url_for(".manage", token=token), 303)


@bp.post("/r/<token>/details")
@private_page
@manage_rate_limit
def details(token: str):
    """Correct one's name, organisation, role, country or needs, then back to the page."""
    registration = _registration_or_404(token)
    if not corrections.can_correct(registration):
        abort(409, _("This registration can no longer be changed."))
    form = _details_form(registration, submitted=True)
    if not form.validate():
        language_form = EmailLanguageForm(formdata=None, language=registration.language)
        return _manage_page(registration, token, language_form, 422, details_form=form)
    try:
        corrections.update_details(registration, form.to_details())
    except services.InvalidTransition:
        db.session.rollback()
        abort(409, _("This registration can no longer be changed."))
    db.session.commit()
    flash(_("Your details are saved."), "success")
    return redirect(url_for(".manage", token=token), 303)
