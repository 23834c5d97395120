"""An event's title, summary and description in the site's other languages.

The organiser gives them in the event form, one fieldset per language besides the event's
main one; these functions turn the stored rows into plain data and back, inside the
caller's unit of work (the event's own transaction).
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.events.models import Event, EventTranslation

TEXT_FIELDS = ("title", "summary", "description")


@dataclass(frozen=True)
class TextData:
    """An event's title, summary and description in one more language."""

    title: str
    summary: str = ""
    description: str = ""


def texts_of(event: Event) -> dict[str, TextData]:
    """The event's translations as plain data, by language."""
    return {t.language: TextData(t.title, t.summary, t.description) for t in event.translations}


def apply_translations(event: Event, wanted: dict[str, TextData]) -> bool:
    """Make the event's translations exactly `wanted` (none in its main language); whether
    anything changed. Removed ones go with the event's next flush (delete-orphan)."""
    wanted = {lang: text for lang, text in wanted.items() if lang != event.language}
    existing = {translation.language: translation for translation in event.translations}
    changed = False
    for lang, translation in existing.items():
        if lang not in wanted:
            event.translations.remove(translation)
            changed = True
    for lang, text in wanted.items():
        translation = existing.get(lang)
        if translation is None:
            translation = EventTranslation(language=lang)
            event.translations.append(translation)
        for name in TEXT_FIELDS:
            if getattr(translation, name) != getattr(text, name):
                setattr(translation, name, getattr(text, name))
                changed = True
    return changed


def copies_of(event: Event) -> list[EventTranslation]:
    """New rows holding the same translations, for a copy of the event."""
    return [
        EventTranslation(
            language=t.language, title=t.title, summary=t.summary, description=t.description
        )
        for t in event.translations
    ]
