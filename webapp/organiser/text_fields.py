"""The event form's words: title, summary and description, in the main language and in a
fieldset for each of the site's other languages.

The site's languages are configuration, so the per-language fields are added to a
subclass of the form when it is first needed (WTForms' way to compose a form whose fields
are known only at run time): `title_da`, `summary_da`, `description_da` and so on, each
with the same limits and single-line rule as the main field and a `lang` attribute.
"""

from __future__ import annotations

import functools

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField, TextAreaField
from wtforms.validators import Length, Optional

from webapp import i18n
from webapp.forms import SingleLine, clean_text
from webapp.organiser.translations import TEXT_FIELDS, TextData, texts_of

# WTForms' Length fills in %(max)d.
TOO_LONG = _l("Use at most %(max)d characters.")
TITLE_LENGTH, SUMMARY_LENGTH, DESCRIPTION_LENGTH = 200, 500, 20000


def summary_field(label, lang: str | None = None) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=SUMMARY_LENGTH, message=TOO_LONG)],
        render_kw={"lang": lang} if lang else None,
    )


def description_field(label, lang: str | None = None) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=DESCRIPTION_LENGTH, message=TOO_LONG)],
        render_kw={"lang": lang} if lang else None,
    )


def _title_field(label, lang: str) -> StringField:
    # Optional here: a fieldset left empty is no translation.
    return StringField(
        label,
        filters=[clean_text],
        validators=[Optional(), Length(max=TITLE_LENGTH, message=TOO_LONG), SingleLine()],
        render_kw={"lang": lang},
    )


def _labelled(label, language_name: str):
    """'Title (dansk)': a field of a language's fieldset, named apart from the main one."""
    return _l("%(field)s (%(language)s)", field=label, language=language_name)


class TranslatedTexts:
    """What an event form with a `language` field and per-language fields can say about
    them (mixed into the event form)."""

    def translation_languages(self: Form) -> list[str]:
        """The site's languages besides the event's main one: one fieldset each."""
        return [
            code
            for code in i18n.languages()
            if code != self.language.data and f"title_{code}" in self
        ]

    def text_field(self: Form, name: str, language: str):
        """The `name` field ('title', 'summary', 'description') of a language's fieldset."""
        return self[f"{name}_{language}"]

    def check_translations(self) -> None:
        """A summary or description needs a title in its language."""
        for language in self.translation_languages():
            title, summary, description = (self.text_field(n, language) for n in TEXT_FIELDS)
            # Whitespace alone is nothing (a browser may send a textarea's line break).
            if (_filled(summary) or _filled(description)) and not _filled(title):
                title.errors.append(
                    _("Enter a title in this language, or leave its summary and description empty.")
                )

    def translations(self) -> dict[str, TextData]:
        """The filled-in fieldsets; an empty one means no text in that language."""
        texts = {}
        for language in self.translation_languages():
            title, summary, description = (_text(self.text_field(n, language)) for n in TEXT_FIELDS)
            if title:
                texts[language] = TextData(title, summary, description)
        return texts

    def load_translations(self: Form, event) -> None:
        """Fill the fieldsets from the event's stored translations."""
        for language, text in texts_of(event).items():
            if f"title_{language}" in self:  # a language the site no longer offers is kept
                for name in TEXT_FIELDS:
                    self.text_field(name, language).data = getattr(text, name)


def _text(field) -> str:
    return (field.data or "").strip()


def _filled(field) -> bool:
    return bool(_text(field))


@functools.cache
def with_language_fields(form_class: type[Form], languages: tuple[str, ...]) -> type[Form]:
    """`form_class` with a title, summary and description field for each of `languages`."""

    class MultilingualForm(form_class):
        pass

    for code in languages:
        name = i18n.language_name(code)
        fields = {
            "title": _title_field(_labelled(_l("Title"), name), code),
            "summary": summary_field(_labelled(_l("Summary"), name), lang=code),
            "description": description_field(_labelled(_l("Description"), name), lang=code),
        }
        for field_name, field in fields.items():
            setattr(MultilingualForm, f"{field_name}_{code}", field)
    return MultilingualForm
