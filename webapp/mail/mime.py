"""The MIME message for an outbox row, built with the standard library's email package.

Layout, the one mail clients recognise as an invitation:

    multipart/mixed
      multipart/alternative
        text/plain; charset="utf-8"
        text/html; charset="utf-8"
        text/calendar; charset=UTF-8; method=REQUEST     (METHOD of the file: REQUEST, CANCEL)
      application/ics; name="invite.ics"                (the same file, optional)

Without a calendar file the message is just the multipart/alternative.

The parts are email.mime objects. The top-level headers are ASCII (RFC 5322 with RFC 2047):
email.utils.formataddr for plain mailboxes, email.header.Header for names and subjects that
are not plain ASCII, which it encodes as UTF-8 encoded words folded at 78 characters; plain
ASCII words stay readable between them, which keeps encoded words short and apart (readers
disagree about where the space between two adjacent ones goes). Under the compat32 policy
nothing is parsed again: the modern policy (email.policy.SMTP) would parse every header of
every part through the header registry, and so cost about four times as much per message,
which the outbox delivery goal (at least 200 messages a second, see bench/) cannot afford.

No message needs the SMTPUTF8 extension (see webapp.mail.addresses): a sender or recipient
with non-ASCII characters before the @ is refused (BuildError).

What the library would not do right for mail clients is done here, each for a reason:

- The calendar part's Content-Type is set verbatim, `text/calendar; charset=UTF-8;
  method=REQUEST`: email.mime would quote the parameters (`method="REQUEST"`), and some
  calendar clients match the unquoted method literally. Its body is base64, which keeps
  the file's CRLF lines exactly as icalendar wrote them.
- An internationalised domain goes into headers and envelope in its ASCII form (IDNA 2008,
  as email-validator computes it when it checks an address): the policies would write an
  encoded word there, which no reader decodes inside an address.
- Text that contains "=?" goes as encoded words even when it is ASCII, so that readers show
  it as typed instead of decoding it.
- A text body is 7bit or 8bit while every line fits SMTP's 998 octets, and
  quoted-printable beyond (email.mime alone would send all UTF-8 text as base64).
- A Reply-To address with non-ASCII characters before the @ (an event contact stored
  before the forms refused such addresses) is left out: it cannot be written without
  SMTPUTF8, and a reply address must never be the reason an invitation is not sent.
- A line break in a header value is refused (BuildError): values are queued on one line
  (webapp.mail.content.one_line), so one can only come from a row written by other means.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.errors import MessageError
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Policy, compat32
from email.utils import format_datetime, formataddr, parseaddr

from email_validator import EmailNotValidError, validate_email

from webapp.mail.addresses import has_ascii_local_part, is_envelope_address
from webapp.text import has_control_characters

CALENDAR_CONTENT_TYPE = "text/calendar; charset=UTF-8; method={method}"
ATTACHMENT_NAME = "invite.ics"
# RFC 5322 2.1.1: a line is at most 998 octets.
MAX_LINE_OCTETS = 998
# CRLF as SMTP wants; no ">From " escaping, which is for mbox files, not for SMTP.
WIRE_POLICY = compat32.clone(linesep="\r\n", mangle_from_=False)
_ITIP_METHOD = re.compile(r"[A-Z][A-Z-]*")
# A word that may stay as it is in a display name (RFC 5322 atext, less "=" so that it can
# never be read as an encoded word); any other word is encoded.
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/?^_`{|}~-]+")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


def _utf8(body_encoding: int | None) -> Charset:
    charset = Charset("utf-8")
    charset.body_encoding = body_encoding  # None: 7bit or 8bit, as the text needs
    return charset


_UTF8_AS_IS = _utf8(None)
_UTF8_QUOTED_PRINTABLE = _utf8(QP)


class BuildError(ValueError):
    """The message cannot be built; the text says why."""


@dataclass(frozen=True)
class Letter:
    """What a message is built from: the plain values of an outbox row."""

    sender: str  # 'Name <address>' or an address
    recipient: str  # an address
    recipient_name: str
    reply_to: str  # 'Name <address>', an address, or ''
    subject: str
    message_id: str
    created_at: datetime
    text_body: str
    html_body: str
    ics: str | None = None
    ics_method: str | None = None
    language: str = ""  # a language tag ('da') for Content-Language, if known


@dataclass(frozen=True)
class Mailbox:
    """A display name and an address whose domain is in ASCII form."""

    name: str
    local_part: str
    domain: str

    @property
    def addr_spec(self) -> str:
        """The address, as it goes into the envelope."""
        return f"{self.local_part}@{self.domain}"


@dataclass(frozen=True)
class Built:
    """A message ready to send: the MIME and its envelope addresses (ASCII)."""

    message: Message
    envelope_sender: str
    envelope_recipient: str

    def as_bytes(self) -> bytes:
        """The message as it goes over SMTP or into an .eml file (CRLF line endings)."""
        return self.message.as_bytes()


def build(letter: Letter, *, attach_ics: bool = True) -> Built:
    """The complete message; raises BuildError, saying why, when it cannot be built."""
    try:
        return _build(letter, attach_ics=attach_ics)
    except BuildError:
        raise
    except (ValueError, MessageError) as exc:  # UnicodeError is a ValueError
        raise BuildError(str(exc)) from exc


def _build(letter: Letter, *, attach_ics: bool) -> Built:
    recipient = _mailbox(letter.recipient_name, letter.recipient, source=letter.recipient)
    sender = _mailbox(*parseaddr(letter.sender), source=letter.sender)
    reply_to = _reply_to(letter.reply_to)
    message = _body(letter, attach_ics=attach_ics)
    message["From"] = _ascii_mailbox(sender, "From")
    message["To"] = _ascii_mailbox(recipient, "To")
    if reply_to is not None:
        message["Reply-To"] = _ascii_mailbox(reply_to, "Reply-To")
    message["Subject"] = _ascii_text(_one_line(letter.subject), "Subject")
    message["Date"] = format_datetime(letter.created_at)
    message["Message-ID"] = _one_line(letter.message_id)
    if letter.language:
        message["Content-Language"] = _language_tag(letter.language)
    # Tell auto-responders (RFC 3834) and Outlook's out-of-office not to answer.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    return Built(message, sender.addr_spec, recipient.addr_spec)


def _ascii_mailbox(mailbox: Mailbox, header_name: str) -> str | Header:
    """'Name <address>' in ASCII: the name quoted as needed, or encoded where it must be."""
    if mailbox.name.isascii() and "=?" not in mailbox.name:
        return formataddr((mailbox.name, mailbox.addr_spec))
    header = _encoded_words(mailbox.name, header_name, _is_atom)
    header.append(f"<{mailbox.addr_spec}>", "us-ascii")  # email.header puts a space before it
    return header


def _ascii_text(text: str, header_name: str) -> str | Header:
    """Unstructured text (a subject) in ASCII, encoded where it must be."""
    if text.isascii() and "=?" not in text:
        return text
    return _encoded_words(text, header_name, _is_plain_word)


def _encoded_words(text: str, header_name: str, plain: Callable[[str], bool]) -> Header:
    """Words that `plain` accepts stay readable; each run of the others is encoded words.

    Runs rather than single words, because readers drop the space between two adjacent
    encoded words (RFC 2047 6.2): the spaces inside a run are encoded with it. The space
    between a plain run and an encoded one goes with the plain run, where it is shown as
    typed. A run too long for one encoded word is split by email.header where a line
    needs it.
    """
    runs = [(p, " ".join(words)) for p, words in itertools.groupby(text.split(" "), key=plain)]
    header = Header(header_name=header_name)
    for index, (is_plain, run) in enumerate(runs):
        if is_plain:
            before = " " if index > 0 else ""
            after = " " if index < len(runs) - 1 else ""
            header.append(f"{before}{run}{after}", "us-ascii")
        else:
            header.append(run, "utf-8")
    return header


def _is_atom(word: str) -> bool:
    return _ATOM.fullmatch(word) is not None


def _is_plain_word(word: str) -> bool:
    return word.isascii() and word.isprintable() and "=?" not in word


def _body(letter: Letter, *, attach_ics: bool) -> MIMEMultipart:
    """The multipart tree; its root has the policy that writes the whole message."""
    alternatives = [_text(letter.text_body, "plain"), _text(letter.html_body, "html")]
    if not letter.ics:
        return _multipart("alternative", alternatives, WIRE_POLICY)
    data = letter.ics.encode("utf-8")
    alternatives.append(_calendar(data, letter.ics_method or "REQUEST"))
    parts: list[Message] = [_multipart("alternative", alternatives, compat32)]
    if attach_ics:
        attachment = MIMEApplication(data, "ics", encode_base64, name=ATTACHMENT_NAME)
        attachment.add_header("Content-Disposition", "attachment", filename=ATTACHMENT_NAME)
        parts.append(attachment)
    return _multipart("mixed", parts, WIRE_POLICY)


def _multipart(subtype: str, parts: list[Message], policy: Policy) -> MIMEMultipart:
    """A multipart with a random boundary of its own.

    The generator would otherwise search the flattened parts for a boundary they do not
    contain (and compile a pattern for each); 128 random bits make a body line equal to a
    boundary line impossible in practice, and "=_" can start no base64 or quoted-printable
    line.
    """
    boundary = f"=_{secrets.token_urlsafe(16)}"
    return MIMEMultipart(subtype, boundary, parts, policy=policy)


def _text(text: str, subtype: str) -> MIMEText:
    """A UTF-8 text part: as it is while every line fits SMTP, else quoted-printable."""
    lines = text.encode("utf-8").splitlines()
    too_long = max(map(len, lines), default=0) > MAX_LINE_OCTETS
    return MIMEText(text, subtype, _UTF8_QUOTED_PRINTABLE if too_long else _UTF8_AS_IS)


def _calendar(data: bytes, method: str) -> MIMEBase:
    """The inline calendar part, its Content-Type exactly as calendar clients expect it."""
    if not _ITIP_METHOD.fullmatch(method):
        raise BuildError(f"calendar method {method!r} is not an iTIP method")
    part = MIMEBase("text", "calendar")
    part.replace_header("Content-Type", CALENDAR_CONTENT_TYPE.format(method=method))
    part.set_payload(data)
    encode_base64(part)
    return part


def _reply_to(value: str) -> Mailbox | None:
    """The Reply-To mailbox; None if there is none, or if it cannot be written."""
    if not value:
        return None
    name, address = parseaddr(_one_line(value))
    return _mailbox(name, address, source=value) if has_ascii_local_part(address) else None


def _mailbox(name: str, address: str, *, source: str) -> Mailbox:
    """The mailbox with its domain in ASCII form; `source` is the value it was read from."""
    _one_line(source)
    local_part, at, domain = address.rpartition("@")
    if not (local_part and at and domain):
        raise BuildError(f"not an email address: {source!r}")
    if not has_ascii_local_part(address):
        raise BuildError(
            f"{address} has non-ASCII characters before the @, which only the SMTPUTF8 "
            "mail extension can carry; Convene does not send such messages"
        )
    if not domain.isascii():
        domain = _ascii_domain(address)
    mailbox = Mailbox(_one_line(name), local_part, domain)
    if not is_envelope_address(mailbox.addr_spec):
        raise BuildError(f"not an email address: {source!r}")
    return mailbox


def _ascii_domain(address: str) -> str:
    """The ASCII form of the address's domain (IDNA 2008), as email-validator computes it."""
    try:
        valid = validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise BuildError(f"cannot send to {address!r}: {error}") from None
    return valid.ascii_domain


def _language_tag(value: str) -> str:
    """A language tag (RFC 5646, as RFC 3282 wants it), refused if it is anything else."""
    if not _LANGUAGE_TAG.fullmatch(value):
        raise BuildError(f"not a language tag: {value!r}")
    return value


def _one_line(value: str) -> str:
    """The value, unless a line break in it would end the header early."""
    if has_control_characters(value):
        raise BuildError(f"line break or control character in a header value: {value!r}")
    return value
