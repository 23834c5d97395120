"""Forms for announcements, notification choices and the organiser's own settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from webapp import i18n
from webapp.communication.models import AudienceGroup, NotifyChoice
from webapp.forms import Form, line_field
from webapp.mail.announcements import (
    PLACEHOLDERS,
    Letter,
    has_active_content,
    unknown_placeholders,
)

BODY_LENGTH = 20000
GROUP_LABELS = {
    AudienceGroup.CONFIRMED: _l("Confirmed"),
    AudienceGroup.WAITLISTED: _l("Waiting list"),
    AudienceGroup.CHECKED_IN: _l("Checked in"),
    AudienceGroup.IN_PERSON: _l("Confirmed, attending in person"),
    AudienceGroup.ONLINE: _l("Confirmed, attending online"),
    AudienceGroup.ACTIVE: _l("Everyone active (confirmed and waiting list)"),
}
CHOICE_LABELS = {
    NotifyChoice.EACH: _l("An email for each registration and cancellation"),
    NotifyChoice.DIGEST: _l("A daily summary"),
    NotifyChoice.NONE: _l("Nothing"),
}


def _known_placeholders(_form, field) -> None:
    unknown = unknown_placeholders(field.data or "")
    if unknown:
        raise ValidationError(
            _l(
                "Unknown placeholder %(names)s. You can use %(known)s.",
                names=", ".join(f"{{{name}}}" for name in unknown),
                known=", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            )
        )


def _no_active_content(_form, field) -> None:
    # Markup that would run code is refused with a clear message (nh3 would strip it).
    if has_active_content(field.data or ""):
        raise ValidationError(
            _l("Remove the script: an announcement may contain text, links and formatting only.")
        )


def _languages() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in i18n.language_choices()]


class AnnouncementForm(Form):
    subject = line_field(
        _l("Subject"), 200, required=_l("Enter a subject."), extra=[_known_placeholders]
    )
    body = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(_l("Write the message.")),
            Length(max=BODY_LENGTH, message=_l("Use at most %(max)d characters.")),
            _known_placeholders,
            _no_active_content,
        ],
    )
    group = SelectField(
        _l("Send to"), choices=[SelectChoice(g.value, label) for g, label in GROUP_LABELS.items()]
    )
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))

    def letter(self) -> Letter:
        return Letter(self.subject.data, self.body.data.strip())

    def audience(self) -> AudienceGroup:
        return AudienceGroup(self.group.data)


class NotificationForm(Form):
    choice = SelectField(
        _l("Tell me about registrations"),
        choices=[SelectChoice(c.value, label) for c, label in CHOICE_LABELS.items()],
    )


class AccountSettingsForm(Form):
    language = SelectField(_l("Language of the emails to you"), choices=_languages)
    notify_default = SelectField(
        _l("For my events, tell me about registrations"),
        choices=[SelectChoice(c.value, label) for c, label in CHOICE_LABELS.items()],
    )
