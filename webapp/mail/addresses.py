"""Which addresses Convene can mail: ASCII before the @, any domain.

Convene's mail never needs the SMTPUTF8 extension (RFC 6531), which not every mail server
offers, so an address with non-ASCII characters before the @ (Åsa@example.se) cannot be
mailed: the forms and `flask organiser create` refuse it where it is typed, and a message
to one stored by other means fails when it is built. An internationalised domain
(bücher.example) needs no extension: it travels in its ASCII form (webapp.mail.mime).
"""

from __future__ import annotations

import re

NON_ASCII_LOCAL_PART = (
    "Our mail server can only deliver to addresses with unaccented Latin letters, digits "
    "and punctuation before the @. Please use another email address."
)


# RFC 5322 dot-atoms on both sides of the @ (an internationalised domain in its ASCII form):
# the addresses that flask_mail.sanitize_address and smtplib put into the envelope as they
# are. A display name, a comma, a space, parentheses or quotes would be parsed and rewritten.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATOM}(?:\.{_ATOM})*"
_ENVELOPE_ADDRESS = re.compile(f"{_DOT_ATOM}@{_DOT_ATOM}")


def has_ascii_local_part(address: str) -> bool:
    """Whether everything before the last @ is ASCII, as in every address Convene mails."""
    return address.rpartition("@")[0].isascii()


def is_envelope_address(address: str) -> bool:
    """Whether the address can go into the SMTP envelope as it is (ASCII domain included)."""
    return _ENVELOPE_ADDRESS.fullmatch(address) is not None
