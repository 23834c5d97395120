"""Country names and choices (ISO 3166), in one place for forms, pages, mail and calendars.

The stored value is always the ISO 3166 alpha-2 code; only its name follows the reader's
language: English names come from pycountry (as Convene has always shown them), the other
languages' from Babel's locale data (CLDR), sorted as a reader of that language expects.
"""

from __future__ import annotations

import functools
import unicodedata

import pycountry
from babel import Locale
from wtforms.fields.choices import SelectChoice

from webapp import i18n, search

ENGLISH = "en"
# Letters a language sorts as letters of their own, after z, in this order (Danish
# "Østrig" and "Åland" come last; Swedish "Österrike" after "Zimbabwe"). German sorts
# ä, ö, ü as a, o, u (DIN 5007), as does every language for the letters it does not list.
OWN_LETTERS = {"da": "æøå", "sv": "åäö", "nb": "æøå"}


@functools.cache
def _names(language: str) -> dict[str, str]:
    """Every ISO 3166 alpha-2 code with its name in `language`."""
    codes = [country.alpha_2 for country in pycountry.countries]
    if language == ENGLISH:
        return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    territories = Locale.parse(language).territories
    english = _names(ENGLISH)
    return {code: territories.get(code) or english[code] for code in codes}


def country_name(code: str, language: str = ENGLISH) -> str:
    """The country's name for an ISO 3166 alpha-2 code in `language`: 'Austria', 'Østrig',
    'Österrike', 'Österreich'; '' if unknown.

    English unless asked: text stored once for every reader (calendar entries) must not
    take the language of whichever request built it. Pages and messages pass theirs
    (i18n.current_language()).
    """
    if not code:
        return ""
    return _names(language).get(code, "")


def sort_key(name: str, language: str) -> str:
    """How `name` sorts in `language`: case and accents ignored, a language's own letters
    (OWN_LETTERS) after z."""
    own = OWN_LETTERS.get(language, "")
    folded = []
    for char in unicodedata.normalize("NFC", name).casefold():
        if char in own:
            folded.append(chr(ord("z") + 1 + own.index(char)))
        else:
            folded.append(search.fold(char))
    return "".join(folded)


@functools.cache
def _named_choices(language: str) -> tuple[SelectChoice, ...]:
    names = _names(language)
    ordered = sorted(names.items(), key=lambda item: (sort_key(item[1], language), item[0]))
    return tuple(SelectChoice(code, name) for code, name in ordered)


def country_choices(placeholder: str, language: str | None = None) -> tuple[SelectChoice, ...]:
    """Every country by name in `language` (else the current one), sorted for it, after a
    placeholder with no value."""
    language = language or i18n.current_language()
    return (SelectChoice("", str(placeholder)), *_named_choices(language))


@functools.cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166 alpha-2 code, for checking a choice without walking the list."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


@functools.cache
def _codes_by_name(languages: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for language in languages:
        for code, name in _names(language).items():
            found.setdefault(search.fold(name), code)
    return found


def country_code_for(value: str, languages: tuple[str, ...] = ("en",)) -> str | None:
    """The ISO code a person typed: the code itself, or the country's name in one of
    `languages` (without case or accents); None if it names no country."""
    value = value.strip()
    if value.upper() in country_codes():
        return value.upper()
    return _codes_by_name(tuple(languages)).get(search.fold(value))
