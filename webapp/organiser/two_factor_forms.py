"""Forms of two-step sign-in: the code at sign-in, enrolment, turning it off, the site rule."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.forms import Form


def _code_field(label) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(_l("Enter the code.")),
            Length(max=40, message=_l("Use at most %(max)d characters.")),
        ],
    )


class SecondStepForm(Form):
    code = _code_field(_l("Code from your authenticator app, or a recovery code"))


class CodeForm(Form):
    code = _code_field(_l("Code from your authenticator app"))


class DisableForm(Form):
    password = PasswordField(
        _l("Current password"),
        validators=[
            InputRequired(_l("Enter your current password.")),
            Length(max=200, message=_l("Use at most %(max)d characters.")),
        ],
    )
    code = _code_field(_l("Code from your authenticator app"))


class RequirementForm(Form):
    require = RadioField(
        _l("Who must use two-step sign-in"),
        choices=[
            SelectChoice("none", _l("Nobody: each organiser chooses")),
            SelectChoice("admins", _l("Administrators")),
            SelectChoice("everyone", _l("Every organiser")),
        ],
        validators=[InputRequired(_l("Choose who must use two-step sign-in."))],
    )
