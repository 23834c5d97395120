"""The public registration form: fields depend on the event's format."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, Signer
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Optional, ValidationError

from webapp import i18n
from webapp.countries import country_choices, country_codes
from webapp.db import now_utc
from webapp.events.models import Event, EventFormat
from webapp.forms import Form, SingleLine, at_most, clean_text, line_field
from webapp.mail.addresses import NON_ASCII_LOCAL_PART, has_ascii_local_part
from webapp.privacy import notice
from webapp.registration.answers import Answer
from webapp.registration.corrections import Details
from webapp.registration.models import AttendanceMode
from webapp.registration.questions import questions_of, with_questions
from webapp.registration.services import Applicant

# Zero-width (non-)joiners are part of correct spelling in Persian, Arabic and Indic scripts.
JOINERS = frozenset("\u200c\u200d")
NAME_PUNCTUATION = frozenset(" '’‘-‐‑.,")
FORM_STAMP_SALT = "convene.registration.form-issued"


def personal_name(form, field):
    """Letters of any script, with spaces, apostrophes, hyphens and full stops between them."""
    if field.errors:
        return  # one message at a time: length or control characters come first
    value = field.data or ""
    for char in value:
        if unicodedata.category(char)[0] in "LM" or char in NAME_PUNCTUATION | JOINERS:
            continue
        raise ValidationError(
            _("Use only letters, spaces, apostrophes, hyphens and full stops in names.")
        )
    if value and not any(unicodedata.category(c)[0] == "L" for c in value):
        raise ValidationError(_("Enter a name with at least one letter."))


def email_address(form, field):
    """Syntax check and normalisation with email-validator (no DNS look-up, works offline)."""
    if field.errors:
        return
    try:
        result = validate_email(field.data or "", check_deliverability=False)
    except EmailNotValidError as error:
        message = _("Enter a valid email address.")
        # email-validator explains in English only: its reason is shown on English pages.
        if i18n.current_language() == "en":
            message = f"{message} {error}"
        raise ValidationError(message) from None
    field.data = result.normalized


def form_stamp(now: datetime, secret_key: str) -> str:
    """A signed record of when a registration form was handed out, for its hidden field."""
    milliseconds = round(now.timestamp() * 1000)
    return Signer(secret_key, salt=FORM_STAMP_SALT).sign(str(milliseconds)).decode()


def seconds_since_stamp(stamp: str, now: datetime, secret_key: str) -> float | None:
    """How long ago the form carrying `stamp` was handed out; None if missing or tampered."""
    try:
        milliseconds = int(Signer(secret_key, salt=FORM_STAMP_SALT).unsign(stamp))
    except (BadSignature, ValueError):
        return None
    return now.timestamp() - milliseconds / 1000


def mailable_address(form, field):
    """Refuse an address Convene cannot mail: non-ASCII characters before the @.

    A registration (or an account, or a Reply-To) must not be stored with an address its
    email can never reach; see webapp.mail.addresses.
    """
    if field.errors:
        return
    if not has_ascii_local_part(field.data or ""):
        # Marked for the catalogue in webapp/form_messages.py.
        raise ValidationError(_(str(NON_ASCII_LOCAL_PART)))


def email_field() -> EmailField:
    """A person's address that Convene will mail: required, one line, valid, deliverable."""
    return EmailField(
        _l("Email address"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Enter your email address.")),
            at_most(254),
            SingleLine(),
            email_address,
            mailable_address,
        ],
    )


def _name_field(label, required) -> StringField:
    return line_field(label, 100, required=required, extra=[personal_name])


class RegistrationForm(Form):
    """Registration for one event; attendance mode only for hybrid, needs only in person."""

    first_name = _name_field(_l("First name"), _l("Enter your first name."))
    last_name = _name_field(_l("Last name"), _l("Enter your last name."))
    email = email_field()
    organisation = line_field(_l("Organisation"), 200, required=_l("Enter your organisation."))
    role = line_field(_l("Role or job title"), 200)
    country = SelectField(
        _l("Country"),
        # Names in the page's language, sorted for it; the value stays the ISO 3166 code.
        choices=lambda: country_choices(_("Select your country")),
        # Checked against a set of codes rather than by walking the list of choices.
        validate_choice=False,
        validators=[
            DataRequired(_l("Select your country.")),
            AnyOf(country_codes(), message=_l("Select your country from the list.")),
        ],
    )
    attendance_mode = RadioField(
        _l("How will you attend?"),
        choices=[
            SelectChoice(value=AttendanceMode.IN_PERSON.value, label=_l("In person")),
            SelectChoice(value=AttendanceMode.ONLINE.value, label=_l("Online")),
        ],
        validators=[InputRequired(_l("Choose how you will attend."))],
        invalid_choice_message=_l("Choose in person or online."),
    )
    needs = TextAreaField(
        _l("Accessibility or dietary needs"),
        filters=[clean_text],
        validators=[Optional(), at_most(1000), SingleLine(multiline=True)],
    )
    consent = BooleanField(
        _l(
            "I agree that my details are used to organise this event,"
            " as the privacy notice describes."
        ),
        validators=[DataRequired(_l("You need to agree to the privacy notice to register."))],
    )
    # Hidden from people (CSS and aria-hidden); bots that fill every field fill this one.
    leave_blank = StringField(_l("Leave this field empty"))
    # When the form was handed out (form_stamp): it keeps its first value across corrections.
    issued = HiddenField()

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        if not self.is_submitted():
            self.issued.data = form_stamp(now_utc(), current_app.config["SECRET_KEY"])
        if event.format != EventFormat.HYBRID:
            del self.attendance_mode
        if event.format == EventFormat.ONLINE:
            del self.needs

    def attending_mode(self) -> str | None:
        """The attendance mode chosen on a hybrid event's form (decides in-person questions)."""
        mode_field = getattr(self, "attendance_mode", None)
        return mode_field.data if mode_field is not None else None

    def known_mode(self) -> str | None:
        """None: the attendance mode is chosen on this very form."""
        return None

    def answers(self) -> tuple[Answer, ...]:
        """Answers to the event's questions: none unless built by registration_form()."""
        return ()

    def is_bot(self, *, now: datetime) -> bool:
        """Whether a program sent this: the honeypot is filled, or the form came back faster
        than a person fills it in, or without an intact stamp of when it was handed out."""
        if (self.leave_blank.data or "").strip():
            return True
        # No upper limit: a page left open for days (or restored with the browser) still works.
        age = seconds_since_stamp(self.issued.data or "", now, current_app.config["SECRET_KEY"])
        return age is None or age < current_app.config["REGISTRATION_MIN_FILL_SECONDS"]

    def to_applicant(self) -> Applicant:
        """The validated input as plain data for the registration service."""
        mode_field = getattr(self, "attendance_mode", None)
        mode = AttendanceMode(mode_field.data) if mode_field is not None else None
        needs_field = getattr(self, "needs", None)
        return Applicant(
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            email=self.email.data,
            privacy_notice_version=notice.current_version(),
            organisation=self.organisation.data,
            role=self.role.data or "",
            country=self.country.data,
            attendance_mode=mode,
            needs=(needs_field.data or "") if needs_field is not None else "",
            language=i18n.current_language(),
            answers=self.answers(),
        )


def registration_form(event: Event, **kwargs) -> RegistrationForm:
    """The registration form for `event`, with its visible questions (one query)."""
    questions = questions_of(event.id)
    return with_questions(RegistrationForm, questions, event.format)(event=event, **kwargs)


class AnswersForm(Form):
    """On the manage page: the attendee corrects their answers to the event's questions."""

    def __init__(self, *args, mode: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode

    def attending_mode(self) -> str | None:
        return self.mode

    def known_mode(self) -> str | None:
        return self.mode


def answers_form(registration, **kwargs) -> AnswersForm | None:
    """The correction form for a registration's answers, or None if the event asks nothing."""
    event = registration.event
    questions = questions_of(event.id)
    if not questions:
        return None
    cls = with_questions(AnswersForm, questions, event.format)
    return cls(mode=registration.attendance_mode.value, **kwargs)


def language_choices() -> list[SelectChoice]:
    """Each language named in itself, and marked as such for screen readers."""
    return [
        SelectChoice(code, name, render_kw={"lang": code}) for code, name in i18n.language_choices()
    ]


class EmailLanguageForm(Form):
    """On the manage page: the language of the emails still to come."""

    language = SelectField(
        _l("Language of your emails"),
        choices=language_choices,
        validators=[InputRequired(_l("Choose a language."))],
        invalid_choice_message=_l("Choose one of the languages in the list."),
    )


class DetailsForm(Form):
    """On the manage page: the attendee corrects their details, with the registration
    form's own fields and checks (the address is not among them: a new address is a new
    registration). Needs only for those who attend in person."""

    first_name = RegistrationForm.first_name
    last_name = RegistrationForm.last_name
    organisation = RegistrationForm.organisation
    role = RegistrationForm.role
    country = RegistrationForm.country
    needs = RegistrationForm.needs

    def __init__(self, *args, in_person: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not in_person:
            del self.needs

    def to_details(self) -> Details:
        """The validated input as plain data for the correction service."""
        needs_field = getattr(self, "needs", None)
        return Details(
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            organisation=self.organisation.data or "",
            role=self.role.data or "",
            country=self.country.data or "",
            needs=(needs_field.data or "") if needs_field is not None else "",
        )
