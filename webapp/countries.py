"""Country names and choices (ISO 3166), in one place for forms, pages, mail and calendars."""

from __future__ import annotations

import functools
import unicodedata

import pycountry
from wtforms.fields.choices import SelectChoice


@functools.cache
def country_name(code: str) -> str:
    """The country's common English name for an ISO 3166 alpha-2 code; '' if unknown."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    if country is None:
        return ""
    return getattr(country, "common_name", None) or country.name


def _sort_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.cache
def country_choices(placeholder: str) -> tuple[SelectChoice, ...]:
    """Every country by name, sorted ignoring accents, after a placeholder with no value."""
    named = sorted(
        ((c.alpha_2, country_name(c.alpha_2)) for c in pycountry.countries),
        key=lambda p: _sort_key(p[1]),
    )
    return (SelectChoice("", placeholder), *(SelectChoice(code, name) for code, name in named))


@functools.cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166 alpha-2 code, for checking a choice without walking the list."""
    return frozenset(country.alpha_2 for country in pycountry.countries)
