"""The exact MIME message for an outbox row.

Layout, the one mail clients recognise as an invitation:

    multipart/mixed
      multipart/alternative
        text/plain; charset="utf-8"
        text/html; charset="utf-8"
        text/calendar; charset=UTF-8; method=REQUEST     (METHOD of the file: REQUEST, CANCEL)
      application/ics; name="invite.ics"                (the same file, optional)

Without a calendar file the message is just the multipart/alternative. Top-level headers
go through the standard library's modern header handling (RFC 2047 for non-ASCII names
and subjects; CR/LF in any header value is refused). The calendar part's Content-Type is
written verbatim, because re-rendering would quote the method parameter and some
calendar clients match it literally.
"""

from __future__ import annotations

import base64
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.mime.text import MIMEText
from email.utils import format_datetime

from webapp.mail.models import OutboxMessage

CALENDAR_CONTENT_TYPE = "text/calendar; charset=UTF-8; method={method}"
ATTACHMENT_NAME = "invite.ics"


def envelope_recipient(row: OutboxMessage) -> str:
    """The address for RCPT TO, with an internationalised domain in its ASCII form."""
    local, _, domain = row.recipient.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def build(row: OutboxMessage, *, attach_ics: bool = True) -> EmailMessage:
    """The complete message for the row; raises ValueError on an unusable header value."""
    body = _alternative(row)
    if row.ics:
        root = EmailMessage(policy=policy.SMTP)
        root["Content-Type"] = "multipart/mixed"
        root.attach(body)
        if attach_ics:
            root.attach(_attachment(row.ics))
    else:
        root = body
    _set_headers(root, row)
    return root


def as_bytes(row: OutboxMessage, *, attach_ics: bool = True) -> bytes:
    """The message as it goes over SMTP or into an .eml file (CRLF line endings)."""
    return build(row, attach_ics=attach_ics).as_bytes(policy=policy.SMTP)


def _set_headers(root: EmailMessage, row: OutboxMessage) -> None:
    # Set first-to-last in the order readers expect; the content headers are already there.
    content_type = root["Content-Type"]
    del root["Content-Type"]
    root["From"] = row.sender
    root["To"] = Address(display_name=row.recipient_name, addr_spec=envelope_recipient(row))
    if row.reply_to:
        root["Reply-To"] = row.reply_to
    root["Subject"] = row.subject
    root["Date"] = format_datetime(row.created_at)
    root["Message-ID"] = row.message_id
    # Tell auto-responders (RFC 3834) and Outlook's out-of-office not to answer.
    root["Auto-Submitted"] = "auto-generated"
    root["X-Auto-Response-Suppress"] = "All"
    root["MIME-Version"] = "1.0"
    root["Content-Type"] = content_type


def _alternative(row: OutboxMessage) -> EmailMessage:
    alternative = EmailMessage(policy=policy.SMTP)
    alternative["Content-Type"] = "multipart/alternative"
    alternative.attach(_text(row.text_body, "plain"))
    alternative.attach(_text(row.html_body, "html"))
    if row.ics:
        alternative.attach(_calendar(row.ics, row.ics_method or "REQUEST"))
    return alternative


def _text(text: str, subtype: str) -> Message:
    part = MIMEText(text, subtype, "utf-8")
    del part["MIME-Version"]  # only the top level carries it
    return part


def _calendar(ics: str, method: str) -> Message:
    """The inline calendar part with its Content-Type exactly as calendar clients expect."""
    part = Message()
    part["Content-Type"] = CALENDAR_CONTENT_TYPE.format(method=method)
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
