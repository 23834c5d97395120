"""Organisers' forms for one attendee (add by hand, correct) and for a CSV import.

Names and addresses go through the registration form's own checks (personal_name,
email_address, mailable_address), so a person an organiser enters could also have
registered themselves; the messages speak to the organiser.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Optional

from webapp import i18n
from webapp.countries import country_choices, country_codes
from webapp.events.models import Event, EventFormat
from webapp.forms import Form, SingleLine, at_most, clean_text, line_field
from webapp.privacy import notice
from webapp.registration.forms import (
    DetailsForm,
    RegistrationForm,
    email_address,
    language_choices,
    mailable_address,
    personal_name,
)
from webapp.registration.models import AttendanceMode, RegistrationSource
from webapp.registration.services import Applicant


class AttendeeDetailsForm(DetailsForm):
    """Someone's details as an organiser corrects them, the address and the email language
    included (the attendee's own form, with messages that speak to the organiser)."""

    first_name = line_field(
        _l("First name"), 100, required=_l("Enter the first name."), extra=[personal_name]
    )
    last_name = line_field(
        _l("Last name"), 100, required=_l("Enter the last name."), extra=[personal_name]
    )
    email = EmailField(
        _l("Email address"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Enter the email address.")),
            at_most(254),
            SingleLine(),
            email_address,
            mailable_address,
        ],
    )
    organisation = line_field(_l("Organisation"), 200)
    role = line_field(_l("Role or job title"), 200)
    country = SelectField(
        _l("Country"),
        choices=lambda: country_choices("—"),
        validate_choice=False,
        validators=[
            Optional(),
            AnyOf(country_codes(), message=_l("Select a country from the list.")),
        ],
    )
    needs = RegistrationForm.needs
    language = SelectField(
        _l("Language of the emails"),
        choices=language_choices,
        validators=[InputRequired(_l("Choose a language."))],
        invalid_choice_message=_l("Choose one of the languages in the list."),
    )


class AddAttendeeForm(AttendeeDetailsForm):
    """An attendee added by hand: their details, how they attend, and two choices."""

    attendance_mode = RadioField(
        _l("Attendance"),
        choices=[
            SelectChoice(value=AttendanceMode.IN_PERSON.value, label=_l("In person")),
            SelectChoice(value=AttendanceMode.ONLINE.value, label=_l("Online")),
        ],
        validators=[InputRequired(_l("Choose in person or online."))],
        invalid_choice_message=_l("Choose in person or online."),
    )
    send_email = BooleanField(_l("Send the confirmation email"), default=True)
    skip_capacity = BooleanField(_l("Add even if the event is full"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, in_person=event.format != EventFormat.ONLINE, **kwargs)
        if not self.is_submitted():
            self.language.data = event.language
        if event.format != EventFormat.HYBRID:
            del self.attendance_mode

    def to_applicant(self) -> Applicant:
        """The validated input as an applicant added by an organiser."""
        details = self.to_details()
        mode_field = getattr(self, "attendance_mode", None)
        return Applicant(
            first_name=details.first_name,
            last_name=details.last_name,
            email=self.email.data,
            privacy_notice_version=notice.current_version(),
            organisation=details.organisation,
            role=details.role,
            country=details.country,
            attendance_mode=AttendanceMode(mode_field.data) if mode_field is not None else None,
            needs=details.needs,
            language=i18n.supported(self.language.data),
            source=RegistrationSource.ORGANISER,
        )


class ImportUploadForm(Form):
    """Step one of an import: the CSV file."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class ImportConfirmForm(Form):
    """Step two: store the previewed rows, with or without emails, over capacity or not."""

    # Ticked when the preview shows it (not a default: a POST without the box means no).
    send_email = BooleanField(_l("Send each person the confirmation email"))
    skip_capacity = BooleanField(_l("Add everyone even if the event is full"))
