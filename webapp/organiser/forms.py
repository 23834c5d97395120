"""Organiser forms: sign-in, password, accounts, co-organisers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from webapp.forms import Form
from webapp.organiser.accounts import MIN_PASSWORD_LENGTH
from webapp.registration.forms import mailable_address


def _max(length: int) -> Length:
    """At most `length` characters, said in the reader's language."""
    return Length(max=length, message=_l("Use at most %(max)d characters."))


class SignInForm(Form):
    email = EmailField(
        _l("Email address"), validators=[DataRequired(_l("Enter your email address.")), _max(254)]
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Enter your password.")), _max(200)]
    )


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address.")), _max(254), mailable_address],
    )


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(_l("Enter a new password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Use between %(min)d and %(max)d characters."),
            ),
        ],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(_l("Enter the new password again.")),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password.")), _max(200)],
    )


class OrganiserForm(Form):
    """An admin adds an organiser; the new organiser sets a password from an emailed link."""

    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter an email address.")),
            _max(254),
            Email(message=_l("Enter a valid email address.")),
            mailable_address,
        ],
    )
    name = StringField(_l("Name"), validators=[_max(200)])
    is_admin = BooleanField(_l("Administrator (sees every event and can add organisers)"))


class CoOrganiserForm(Form):
    email = EmailField(
        _l("Organiser's email address"),
        validators=[DataRequired(_l("Enter an email address.")), _max(254)],
    )
