"""Form building blocks that the registration and organiser forms share.

Every form of Convene derives from `Form`: its messages, WTForms' and Flask-WTF's own
included (webapp/form_messages.py), come from Convene's catalogue in the language of the
page, and every label and message of ours is marked for translation.
"""

from __future__ import annotations

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp import text


class CatalogueTranslations:
    """WTForms' translations object (`gettext`/`ngettext`) over Convene's catalogue.

    It looks the catalogue up at every call, so a message is in the language that is
    current when the form validates (the page's, or one forced by i18n.language()).
    WTForms fills the placeholders itself, so nothing is formatted here.
    """

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


TRANSLATIONS = CatalogueTranslations()


class Form(FlaskForm):
    """The base of every form: CSRF from Flask-WTF, messages from Convene's catalogue."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Flask-WTF's CSRF field raises its reasons untranslated; say them in the page's language.
        csrf_field = getattr(self, "csrf_token", None)
        if csrf_field is not None and csrf_field.errors:
            csrf_field.errors = [TRANSLATIONS.gettext(str(e)) for e in csrf_field.errors]
        return valid


class SingleLine:
    """No control characters, line breaks or direction overrides (webapp.text)."""

    def __init__(self, *, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        value = field.data or ""
        if any(text.breaks_a_line(char, multiline=self.multiline) for char in value):
            if self.multiline:
                raise ValidationError(_l("Please remove control characters."))
            raise ValidationError(_l("Please remove line breaks or control characters."))


def clean_text(value: str | None) -> str | None:
    """A form filter: NFC-normalised and trimmed (webapp.text.clean)."""
    return text.clean(value)


def at_most(max_length: int) -> Length:
    """A Length validator with Convene's message: 'Use at most 200 characters.'"""
    # WTForms fills in %(max)d once the message is in the page's language.
    return Length(max=max_length, message=_l("Use at most %(max)d characters."))


def line_field(label, max_length: int, *, required=None, extra=()) -> StringField:
    """A single-line text field: trimmed, at most `max_length` characters, no line breaks;
    `required` is the message for an empty one (optional when None). Pass `_l()` texts."""
    presence = DataRequired(required) if required else Optional()
    return StringField(
        label,
        filters=[clean_text],
        validators=[presence, at_most(max_length), SingleLine(), *extra],
    )
