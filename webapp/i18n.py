"""Languages: Flask-Babel, the language prefix of every URL, and localised dates.

The language is part of the URL: `/da/events/x` is the Danish page, `/events/x` the page in
the site's default language (DEFAULT_LANGUAGE). LanguagePrefix, a WSGI layer in front of
everything else, moves a known prefix from PATH_INFO to SCRIPT_NAME. Flask then routes the
rest as usual, and `url_for` puts the prefix back on every link it builds, so a reader
stays in the language of the page they are on. Caches that key on SCRIPT_NAME plus path
(webapp/caching.py, webapp/replay.py) keep each language apart, and rate limits, which
count per endpoint, share one budget across languages.

Messages go through gettext catalogues in webapp/translations (`make translations`);
the glossary in webapp/translations/GLOSSARY.md keeps their wording consistent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from urllib.parse import quote

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, force_locale, get_locale

ENVIRON_KEY = "convene.language"
BASE_SCRIPT_KEY = "convene.base_script_name"
TRANSLATIONS = "translations"


class LanguagePrefix:
    """WSGI middleware: `/da/rest` is served as `rest` under SCRIPT_NAME `…/da`.

    The default language has no prefix: `/en/x` (when English is the default) redirects
    permanently to `/x`, so each page has one URL per language.
    """

    def __init__(self, wsgi_app, languages: tuple[str, ...], default: str):
        self.wsgi_app, self.default = wsgi_app, default
        self.prefixed = {language for language in languages if language != default}

    def __call__(self, environ, start_response):
        script_name = environ.get("SCRIPT_NAME", "")
        environ[BASE_SCRIPT_KEY] = script_name
        path = environ.get("PATH_INFO", "")
        first, _, rest = path.lstrip("/").partition("/")
        if path.startswith("/") and first == self.default:
            return _redirect(environ, start_response, script_name + "/" + rest)
        if path.startswith("/") and first in self.prefixed:
            environ[ENVIRON_KEY] = first
            environ["SCRIPT_NAME"] = f"{script_name}/{first}"
            environ["PATH_INFO"] = "/" + rest
        return self.wsgi_app(environ, start_response)


def _redirect(environ, start_response, path: str):
    query = environ.get("QUERY_STRING", "")
    location = quote(path, safe="/%:@!$&'()*+,;=-._~") + (f"?{query}" if query else "")
    start_response("301 Moved Permanently", [("Location", location), ("Content-Length", "0")])
    return []


def languages(app: Flask | None = None) -> tuple[str, ...]:
    """The site's languages, the default first."""
    config = (app or current_app).config
    default = config["DEFAULT_LANGUAGE"]
    return (default, *(lang for lang in config["LANGUAGES"] if lang != default))


def default_language() -> str:
    return current_app.config["DEFAULT_LANGUAGE"]


def current_language() -> str:
    """The language of this page or message ('da'); the default outside a request."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def select_language() -> str:
    """Flask-Babel's locale selector: the URL's language, else the default."""
    if has_request_context():
        return request.environ.get(ENVIRON_KEY) or default_language()
    return default_language()


def language_name(language: str) -> str:
    """A language's name in itself: 'dansk', 'svenska', 'Deutsch', 'English'."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:] if language in ("en", "de") else name


def url_in(language: str) -> str:
    """This page's URL (path and query string) in another language."""
    base = request.environ.get(BASE_SCRIPT_KEY, "")
    prefix = "" if language == default_language() else f"/{language}"
    query = request.query_string.decode("latin-1")
    return base + prefix + request.path + (f"?{query}" if query else "")


def page_languages() -> list[dict]:
    """Every language of this page, for the switcher and <link rel=alternate hreflang>."""
    current = current_language()
    return [
        {
            "code": lang,
            "name": language_name(lang),
            "url": url_in(lang),
            "current": lang == current,
        }
        for lang in languages()
    ]


def supported(code: str | None) -> str:
    """`code` if it is one of the site's languages, else the default language."""
    return code if code in languages() else default_language()


def language_prefix(code: str | None) -> str:
    """The URL prefix of a language: '' for the default one, '/da' for Danish."""
    code = supported(code)
    return "" if code == default_language() else f"/{code}"


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of the site's languages, for forms."""
    return [(lang, language_name(lang)) for lang in languages()]


@contextmanager
def language(code: str | None) -> Iterator[None]:
    """Messages, dates and names in `code` (a registration's language) inside the block."""
    with force_locale(supported(code)):
        yield


@contextmanager
def language_if_given(code: str | None) -> Iterator[None]:
    """Like language(), or the current language when `code` is None."""
    if code is None:
        yield
    else:
        with language(code):
            yield


# Patterns per language, for Babel. Each keeps the conventions of its language: Danish and
# German write a day number with a full stop, Danish writes times as 18.00 after "kl.".
DATE_PATTERNS = {
    "en": {"day": "EEE d MMM y", "day_month": "d MMM", "day_number": "d", "time": "HH:mm"},
    "da": {"day": "EEE d. MMM y", "day_month": "d. MMM", "day_number": "d.", "time": "HH.mm"},
    "sv": {"day": "EEE d MMM y", "day_month": "d MMM", "day_number": "d", "time": "HH:mm"},
    "de": {"day": "EEE, d. MMM y", "day_month": "d. MMM", "day_number": "d.", "time": "HH:mm"},
}
# How a day and a time are joined: 'Sun 28 Feb 2027, 18:00', 'søn. 28. feb. 2027 kl. 18.00'.
DAY_TIME_JOINER = {"en": "{day}, {time}", "da": "{day} kl. {time}", "sv": "{day} kl. {time}"}


def _patterns(language: str | None) -> tuple[str, dict[str, str]]:
    language = language or current_language()
    return language, DATE_PATTERNS.get(language, DATE_PATTERNS["en"])


def localised_day(day: date, language: str | None = None) -> str:
    """'Sun 28 Feb 2027', 'søn. 28. feb. 2027', 'So., 28. Feb. 2027'."""
    language, patterns = _patterns(language)
    return format_date(day, patterns["day"], locale=language)


def localised_date_part(day: date, part: str, language: str | None = None) -> str:
    """One of the shorter date patterns ('day_month', 'day_number') or a Babel pattern."""
    language, patterns = _patterns(language)
    return format_date(day, patterns.get(part, part), locale=language)


def date_pattern(name: str, language: str | None = None) -> str:
    """One of DATE_PATTERNS' patterns for the language."""
    return _patterns(language)[1][name]


def localised_time(moment: datetime | time, language: str | None = None) -> str:
    """'18:00', or '18.00' in Danish; a wall-clock time as given, no zone conversion."""
    language, patterns = _patterns(language)
    return format_time(moment, patterns["time"], locale=language)


def join_day_time(day: str, clock: str, language: str | None = None) -> str:
    language = language or current_language()
    return DAY_TIME_JOINER.get(language, "{day}, {time}").format(day=day, time=clock)


def localised_number(number: int | float, language: str | None = None) -> str:
    """'1,234' in English, '1.234' in Danish and German, '1 234' in Swedish."""
    return format_decimal(number, locale=language or current_language())


def init_app(app: Flask) -> None:
    """Flask-Babel with the URL's language, and the language prefix in front of the app."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["DEFAULT_LANGUAGE"])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS)
    Babel(app, locale_selector=select_language)
    app.wsgi_app = LanguagePrefix(app.wsgi_app, languages(app), app.config["DEFAULT_LANGUAGE"])
