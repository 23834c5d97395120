"""The origins an admin lets frame the embeddable list: parsing, validation, the setting.

An origin is `https://host` or `http://host`, optionally with a port, nothing else (no
path, query, user or fragment). A leading `*.` is accepted for subdomains
(`https://*.example.org`), as CSP's frame-ancestors understands it; a bare `*` is not.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from webapp import site_settings

SETTING = "embed.allowed_origins"
MAX_ORIGINS = 50
# One DNS label; a host is labels joined by dots (IDN hosts are given in their xn-- form).
LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
ORIGIN = re.compile(
    rf"^(?P<scheme>https?)://(?P<wildcard>\*\.)?(?P<host>{LABEL}(?:\.{LABEL})*)"
    r"(?::(?P<port>[0-9]{1,5}))?/?$"
)
ERRORS = {
    "scheme": _l("%(origin)s: start with https:// or http://."),
    "shape": _l(
        "%(origin)s: give only the scheme, host and port (like https://www.example.org), "
        "no path, query or user name."
    ),
    "port": _l("%(origin)s: the port must be a number from 1 to 65535."),
    "wildcard": _l(
        "%(origin)s: a wildcard may only stand for subdomains, as in https://*.example.org."
    ),
    "too_many": _l("Give at most %(count)s origins."),
}


class OriginError(ValueError):
    """An origin the frame policy cannot carry; str() is the reason for the admin."""


def parse_origin(text: str) -> str:
    """`text` as a normalised origin ('https://partner.example:8443'), or OriginError."""
    candidate = text.strip().lower()
    if not candidate.startswith(("https://", "http://")):
        raise OriginError(str(ERRORS["scheme"] % {"origin": text.strip()}))
    match = ORIGIN.match(candidate)
    if match is None:
        key = "wildcard" if "://*" in candidate or ".*." in candidate else "shape"
        raise OriginError(str(ERRORS[key] % {"origin": text.strip()}))
    if match["wildcard"] and "." not in match["host"]:
        raise OriginError(str(ERRORS["wildcard"] % {"origin": text.strip()}))
    port = match["port"]
    if port is not None and not 1 <= int(port) <= 65535:
        raise OriginError(str(ERRORS["port"] % {"origin": text.strip()}))
    origin = f"{match['scheme']}://{match['wildcard'] or ''}{match['host']}"
    return origin + (f":{int(port)}" if port else "")


def parse_origins(text: str) -> tuple[list[str], list[str]]:
    """Origins one per line (or separated by spaces or commas): (origins, errors)."""
    origins: list[str] = []
    errors: list[str] = []
    for item in re.split(r"[\s,]+", text or ""):
        if not item:
            continue
        try:
            origin = parse_origin(item)
        except OriginError as error:
            errors.append(str(error))
        else:
            if origin not in origins:
                origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        errors.append(str(ERRORS["too_many"] % {"count": MAX_ORIGINS}))
    return origins, errors


def allowed_origins() -> list[str]:
    """The origins an admin allows to frame /embed; invalid stored values are left out."""
    stored = site_settings.get(SETTING, [])
    if not isinstance(stored, list):
        return []
    valid = []
    for value in stored:
        try:
            valid.append(parse_origin(str(value)))
        except OriginError:
            continue
    return valid


def snippet(base_url: str, language: str) -> str:
    """The script tag a partner site pastes (shown on the admin page, escaped there)."""
    return (
        f'<script src="{base_url}/static/js/embed.js" data-kind="webinar" '
        f'data-lang="{language}" async></script>'
    )
