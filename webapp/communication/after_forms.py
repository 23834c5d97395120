"""The organiser's forms for after the event: materials and the follow-up email."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, FormField, IntegerField, RadioField, TextAreaField
from wtforms import Form as SubForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from webapp.communication.after_models import (
    FOLLOW_UP_MAX_HOURS,
    LINK_TITLE_LIMIT,
    MAX_LINKS,
    MESSAGE_LIMIT,
    TEXT_LIMIT,
    URL_LIMIT,
    MaterialsVisibility,
)
from webapp.communication.follow_up import FollowUpData
from webapp.communication.materials import MaterialsData, is_web_link
from webapp.forms import TRANSLATIONS, Form, SingleLine, at_most, clean_text, line_field


def _web_link(_form, field) -> None:
    if field.data and not is_web_link(field.data):
        raise ValidationError(_l("Enter a full web address starting with https:// or http://."))


def _https_link(_form, field) -> None:
    if field.data and not (is_web_link(field.data) and field.data.startswith("https://")):
        raise ValidationError(_l("Enter a full web address starting with https://."))


def _one_newline(value: str | None) -> str | None:
    # Browsers send CRLF from a textarea; the text is stored with LF only.
    return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


def _text_area(label, limit: int) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[clean_text, _one_newline],
        validators=[Optional(), at_most(limit), SingleLine(multiline=True)],
    )


class LinkForm(SubForm):
    """One titled link; both parts or neither."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS

    title = line_field(_l("Link title"), LINK_TITLE_LIMIT)
    url = line_field(_l("Web address"), URL_LIMIT, extra=[_web_link])

    def validate(self, extra_validators=None) -> bool:
        # The fields' Optional() ends their own checks when empty, so the pair is checked here.
        valid = super().validate(extra_validators)
        if self.url.data and not self.title.data:
            self.title.errors.append(_l("Give this link a title, such as “Slides”."))
            valid = False
        if self.title.data and not self.url.data:
            self.url.errors.append(_l("Enter the web address of this link."))
            valid = False
        return valid


class MaterialsForm(Form):
    text = _text_area(_l("Short text"), TEXT_LIMIT)
    links = FieldList(FormField(LinkForm), min_entries=MAX_LINKS, max_entries=MAX_LINKS)
    visibility = RadioField(
        _l("Who sees the materials"),
        choices=[
            SelectChoice(
                MaterialsVisibility.ATTENDEES.value, _l("Registered attendees, on their own page")
            ),
            SelectChoice(
                MaterialsVisibility.PUBLIC.value,
                _l("Everyone, on the event's page once it has ended"),
            ),
        ],
        default=MaterialsVisibility.ATTENDEES.value,
        validators=[InputRequired(_l("Choose who sees the materials."))],
    )
    published = BooleanField(_l("Published"))

    def load(self, materials) -> None:
        """Fill the form from stored materials."""
        self.text.data = materials.text
        self.visibility.data = materials.visibility.value
        self.published.data = materials.published
        for entry, link in zip(self.links.entries, materials.links, strict=False):
            entry.form.title.data, entry.form.url.data = link.title, link.url

    def to_data(self) -> MaterialsData:
        links = [
            (e.form.title.data, e.form.url.data) for e in self.links.entries if e.form.url.data
        ]
        return MaterialsData(
            text=self.text.data or "",
            visibility=MaterialsVisibility(self.visibility.data),
            published=bool(self.published.data),
            links=links,
        )


class FollowUpForm(Form):
    enabled = BooleanField(_l("Send a follow-up email"))
    hours_after = IntegerField(
        _l("Hours after the end"),
        default=24,
        validators=[
            InputRequired(_l("Enter a number of hours.")),
            NumberRange(
                min=0,
                max=FOLLOW_UP_MAX_HOURS,
                message=_l("Enter a whole number of hours from %(min)s to %(max)s."),
            ),
        ],
    )
    came_message = _text_area(_l("Message to those who came"), MESSAGE_LIMIT)
    missed_message = _text_area(_l("Message to those who did not come"), MESSAGE_LIMIT)
    feedback_url = line_field(_l("Feedback form"), URL_LIMIT, extra=[_https_link])

    def load(self, follow_up) -> None:
        """Fill the form from stored settings."""
        self.enabled.data = follow_up.enabled
        self.hours_after.data = follow_up.hours_after
        self.came_message.data = follow_up.came_message
        self.missed_message.data = follow_up.missed_message
        self.feedback_url.data = follow_up.feedback_url

    def to_data(self) -> FollowUpData:
        return FollowUpData(
            enabled=bool(self.enabled.data),
            hours_after=self.hours_after.data,
            came_message=self.came_message.data or "",
            missed_message=self.missed_message.data or "",
            feedback_url=self.feedback_url.data or "",
        )
