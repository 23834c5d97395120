"""Forms of the privacy pages: the data request, the admin's notice and person look-up."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from webapp.db import now_utc
from webapp.forms import Form, SingleLine, at_most, clean_text, line_field
from webapp.registration.forms import (
    email_address,
    email_field,
    form_stamp,
    seconds_since_stamp,
)


class DataRequestForm(Form):
    """An address to send the data link to; the honeypot and stamp of the registration form."""

    email = email_field()
    leave_blank = StringField(_l("Leave this field empty"))
    issued = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.issued.data = form_stamp(now_utc(), current_app.config["SECRET_KEY"])

    def is_bot(self, *, now: datetime) -> bool:
        """The honeypot is filled, or the form came back faster than a person fills it in."""
        if (self.leave_blank.data or "").strip():
            return True
        age = seconds_since_stamp(self.issued.data or "", now, current_app.config["SECRET_KEY"])
        return age is None or age < current_app.config["REGISTRATION_MIN_FILL_SECONDS"]


class ConfirmForm(Form):
    """A button that confirms an irreversible action (CSRF only)."""


class PersonForm(Form):
    """An admin looks a person up by address."""

    email = EmailField(
        _l("Email address"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Enter an email address.")),
            at_most(254),
            SingleLine(),
            email_address,
        ],
    )
    confirm = BooleanField(_l("Yes, erase all of this person's data"))


def _text_area(label, max_length: int, required=None) -> TextAreaField:
    presence = DataRequired(required) if required else Optional()
    return TextAreaField(
        label,
        filters=[clean_text],
        validators=[presence, at_most(max_length), SingleLine(multiline=True)],
    )


class NoticeForm(Form):
    """The privacy notice's texts, as the admin writes them."""

    controller_name = line_field(
        _l("Controller's name"), 200, required=_l("Enter the controller's name.")
    )
    controller_address = _text_area(
        _l("Controller's postal address"), 500, _l("Enter the controller's address.")
    )
    contact = _text_area(
        _l("Contact for privacy questions"), 500, _l("Enter a contact for privacy questions.")
    )
    legal_basis = _text_area(_l("Legal basis"), 2000, _l("Enter the legal basis."))
    purposes = _text_area(
        _l("What is collected and why"), 4000, _l("Say what is collected and why.")
    )
    recipients = _text_area(
        _l("Recipients (for example the mail provider)"), 2000, _l("Enter the recipients.")
    )
    extra = _text_area(_l("Further information"), 4000)

    def values(self) -> dict[str, str]:
        """The texts under their settings' keys."""
        return {f"privacy.{name}": self[name].data or "" for name in FIELD_NAMES}


FIELD_NAMES = (
    "controller_name",
    "controller_address",
    "contact",
    "legal_basis",
    "purposes",
    "recipients",
    "extra",
)
