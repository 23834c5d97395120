"""The exact MIME message for an outbox row.

Layout, the one mail clients recognise as an invitation:

    multipart/mixed
      multipart/alternative
        text/plain; charset="utf-8"
        text/html; charset="utf-8"
        text/calendar; charset=UTF-8; method=REQUEST     (METHOD of the file: REQUEST, CANCEL)
      application/ics; name="invite.ics"                (the same file, optional)

Without a calendar file the message is just the multipart/alternative.

The parts are compat32 messages (email.message.Message) whose header values are final
text, encoded here once: generating them only folds the long ones at their spaces, where
the modern policy would parse every header of every part again through
email.headerregistry (once most of the cost of sending a message). So this module does
what that parsing did: non-ASCII names and subjects become RFC 2047 encoded words,
internationalised domains their ASCII form, and a line break in any header value is
refused (ValueError). Text bodies go as they are (7bit/8bit UTF-8) unless a line is too
long for SMTP, then quoted-printable. The calendar part's Content-Type is written
verbatim, because some calendar clients match its unquoted method parameter literally.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import secrets
from collections.abc import Callable
from email.charset import Charset
from email.message import Message
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr

from webapp.mail.models import OutboxMessage

CALENDAR_CONTENT_TYPE = "text/calendar; charset=UTF-8; method={method}"
ATTACHMENT_NAME = "invite.ics"
# RFC 5322 2.1.1: a line is at most 998 octets; a text body with a longer line is sent
# quoted-printable rather than 8bit.
MAX_LINE_OCTETS = 998
# RFC 2047 allows encoded words of 75 characters; at 68 one fits on a line after the
# longest header name that carries one ("Reply-To: ") within 78 characters.
MAX_ENCODED_WORD = 68

_UTF8 = Charset("utf-8")
# Whatever str.splitlines() splits on: such a character would end the header early.
_LINE_BREAK = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# A word that may stay as it is in a display name (RFC 5322 atext, less "=" so that it can
# never be read as an encoded word); any other word is encoded.
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/?^_`{|}~-]+")


class WirePolicy(Compat32):
    """compat32 that writes a header as it is when it already fits on one line.

    compat32 folds every header through email.header.Header, a cost worth paying only
    for the few that are too long (a long subject or name, a multipart Content-Type).
    """

    def fold_binary(self, name: str, value: object) -> bytes:
        if isinstance(value, str) and value.isascii() and not _LINE_BREAK.search(value):
            line = f"{name}: {value}"
            if not self.max_line_length or len(line) <= self.max_line_length:
                return (line + self.linesep).encode("ascii")
        return super().fold_binary(name, value)


# CRLF as SMTP wants; no ">From " escaping, which is for mbox files, not for SMTP.
WIRE_POLICY = WirePolicy(linesep="\r\n", mangle_from_=False)


def envelope_recipient(row: OutboxMessage) -> str:
    """The address for RCPT TO, with an internationalised domain in its ASCII form."""
    return _ascii_domain(row.recipient)


def build(row: OutboxMessage, *, attach_ics: bool = True) -> Message:
    """The complete message for the row; raises ValueError on an unusable header value."""
    root = Message(policy=WIRE_POLICY)
    for name, value in _top_headers(row):
        root[name] = value
    root["MIME-Version"] = "1.0"
    if row.ics:
        parts = [_alternative(row)]
        if attach_ics:
            parts.append(_attachment(row.ics))
        _make_multipart(root, "mixed", parts)
    else:
        _make_multipart(root, "alternative", _alternative_parts(row))
    return root


def as_bytes(row: OutboxMessage, *, attach_ics: bool = True) -> bytes:
    """The message as it goes over SMTP or into an .eml file (CRLF line endings)."""
    return build(row, attach_ics=attach_ics).as_bytes(policy=WIRE_POLICY)


def _top_headers(row: OutboxMessage) -> list[tuple[str, str]]:
    """The top-level headers, first to last in the order readers expect."""
    headers = [
        ("From", _address_header(row.sender)),
        ("To", _mailbox(row.recipient_name, envelope_recipient(row))),
    ]
    if row.reply_to:
        headers.append(("Reply-To", _address_header(row.reply_to)))
    headers += [
        ("Subject", _unstructured(row.subject)),
        ("Date", format_datetime(row.created_at)),
        ("Message-ID", _ascii(row.message_id)),
        # Tell auto-responders (RFC 3834) and Outlook's out-of-office not to answer.
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "All"),
    ]
    return headers


def _alternative(row: OutboxMessage) -> Message:
    alternative = Message()
    _make_multipart(alternative, "alternative", _alternative_parts(row))
    return alternative


def _alternative_parts(row: OutboxMessage) -> list[Message]:
    parts = [_text(row.text_body, "plain"), _text(row.html_body, "html")]
    if row.ics:
        parts.append(_calendar(row.ics, row.ics_method or "REQUEST"))
    return parts


def _make_multipart(message: Message, subtype: str, parts: list[Message]) -> None:
    # The generator would search the flattened parts for a boundary they do not contain;
    # 128 random bits make a body line equal to a boundary line impossible in practice.
    message["Content-Type"] = f'multipart/{subtype}; boundary="=_{secrets.token_hex(16)}"'
    message.set_payload(parts)


def _text(text: str, subtype: str) -> Message:
    """A UTF-8 text part: as it is when every line fits SMTP, else quoted-printable."""
    data = text.encode("utf-8")
    part = Message()
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    if max(map(len, data.splitlines()), default=0) > MAX_LINE_OCTETS:
        part["Content-Transfer-Encoding"] = "quoted-printable"
        part.set_payload(binascii.b2a_qp(data).decode("ascii"))
    else:
        part["Content-Transfer-Encoding"] = "7bit" if data.isascii() else "8bit"
        # Raw bytes travel in a compat32 payload as surrogate escapes.
        part.set_payload(data.decode("ascii", "surrogateescape"))
    return part


def _calendar(ics: str, method: str) -> Message:
    """The inline calendar part with its Content-Type exactly as calendar clients expect."""
    part = Message()
    part["Content-Type"] = CALENDAR_CONTENT_TYPE.format(method=_ascii(method))
    part["Content-Transfer-Encoding"] = "base64"  # keeps the file's CRLF lines intact
    part.set_payload(_base64(ics))
    return part


def _attachment(ics: str) -> Message:
    part = Message()
    part["Content-Type"] = f'application/ics; name="{ATTACHMENT_NAME}"'
    part["Content-Disposition"] = f'attachment; filename="{ATTACHMENT_NAME}"'
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(_base64(ics))
    return part


def _base64(text: str) -> str:
    return base64.encodebytes(text.encode("utf-8")).decode("ascii")


def _address_header(value: str) -> str:
    """A From or Reply-To value ('Name <address>' or a bare address), ready to send."""
    _refuse_line_breaks(value)
    if value.isascii() and "=?" not in value:
        return value
    name, address = parseaddr(value)
    if not address:
        raise ValueError(f"not an email address: {value!r}")
    return _mailbox(name, _ascii_domain(address))


def _mailbox(name: str, address: str) -> str:
    """'Name <address>': the name quoted, or encoded where it is not plain ASCII."""
    _refuse_line_breaks(name)
    _ascii(address)
    if name.isascii() and "=?" not in name:
        return formataddr((name, address))
    return f"{_encode_words(name, _ATOM.fullmatch)} <{address}>"


def _unstructured(text: str) -> str:
    """A Subject: its plain ASCII words as they are, the others as encoded words."""
    _refuse_line_breaks(text)
    if text.isascii() and "=?" not in text:
        return text
    return _encode_words(text, _plain_word)


def _plain_word(word: str) -> bool:
    return word.isascii() and word.isprintable() and "=?" not in word


def _encode_words(text: str, keep: Callable[[str], object]) -> str:
    """Words that `keep` accepts stay readable; each run of the others becomes encoded words.

    Runs rather than single words, because readers drop the space between two adjacent
    encoded words: the spaces inside a run are encoded with it. Encoded words never hold
    a space, so the generator can fold the header at the spaces between them.
    """
    tokens: list[str] = []
    for plain, words in itertools.groupby(text.split(" "), key=lambda word: bool(keep(word))):
        if plain:
            tokens.extend(words)
        else:
            run = " ".join(words)
            tokens.extend(_UTF8.header_encode_lines(run, itertools.repeat(MAX_ENCODED_WORD)))
    return " ".join(tokens)


def _ascii_domain(address: str) -> str:
    """The address with an internationalised domain in its ASCII (IDNA) form."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def _ascii(value: str) -> str:
    """The value, if it can be a header as it is: one line of ASCII (else an error)."""
    _refuse_line_breaks(value)
    value.encode("ascii")  # UnicodeEncodeError, a ValueError, names the character
    return value


def _refuse_line_breaks(value: str) -> None:
    if _LINE_BREAK.search(value):
        raise ValueError(f"line break in a header value: {value!r}")
