"""Organiser forms: sign-in, password, accounts, co-organisers."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from webapp.forms import Form
from webapp.organiser.accounts import MIN_PASSWORD_LENGTH
from webapp.registration.forms import mailable_address


class SignInForm(Form):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=200)])


class ForgotPasswordForm(Form):
    email = EmailField(
        "Email address", validators=[DataRequired(), Length(max=254), mailable_address]
    )


class NewPasswordForm(Form):
    password = PasswordField(
        "New password",
        validators=[
            InputRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Use between {MIN_PASSWORD_LENGTH} and 200 characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "New password again",
        validators=[InputRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Current password", validators=[InputRequired(), Length(max=200)])


class OrganiserForm(Form):
    """An admin adds an organiser; the new organiser sets a password from an emailed link."""

    email = EmailField(
        "Email address",
        validators=[
            DataRequired(),
            Length(max=254),
            Email(message="Enter a valid email address."),
            mailable_address,
        ],
    )
    name = StringField("Name", validators=[Length(max=200)])
    is_admin = BooleanField("Administrator (sees every event and can add organisers)")


class CoOrganiserForm(Form):
    email = EmailField("Organiser's email address", validators=[DataRequired(), Length(max=254)])
