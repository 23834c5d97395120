"""Mail test helpers: sample letters, deliver the outbox, read it, take messages apart."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.utils import parseaddr

import icalendar
import sqlalchemy as sa

from tests.conftest import ReceivedMail
from webapp.db import begin_write
from webapp.extensions import db
from webapp.mail import mime
from webapp.mail.delivery import DeliveryReport, send_pending
from webapp.mail.models import OutboxMessage

CREATED = datetime(2027, 2, 28, 17, 0, tzinfo=UTC)
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Convene//EN\r\nMETHOD:{method}\r\n"
    "BEGIN:VEVENT\r\nUID:1@convene.test\r\nDTSTAMP:20270101T000000Z\r\n"
    "DTSTART:20270228T170000Z\r\nSUMMARY:Webinar – Zoë\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
SCRIPTS = {
    "latin": "Zoë Lefèvre-Ødegård, Łukasz Żółć, Ñandú Çağrı",
    "greek": "Ελληνικά γράμματα Ζωή",
    "cyrillic": "Вебинар: кластеры и регионы",
    "arabic": "مرحبا بكم في الندوة",  # right to left
    "hebrew": "שלום עליכם",
    "devanagari": "नमस्ते दुनिया",
    "cjk": "山田太郎の会議・세미나",
    "emoji": "Launch 🚀🎉 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",  # outside the BMP
    "combining": "Zoe\u0308 Ame\u0301lie n\u0303",
    "joiners": "می\u200cخواهم 👩\u200d💻 क्\u200dष",
}


def deliver(app, *, now: datetime | None = None, **options) -> DeliveryReport:
    """One delivery pass in its own application context."""
    with app.app_context():
        return send_pending(now=now, **options)


def outbox_rows(app) -> list[OutboxMessage]:
    """Every outbox row, detached, in id order."""
    with app.app_context():
        rows = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def leaf_parts(message) -> list:
    """The non-multipart parts of a parsed message, in order."""
    return [part for part in message.walk() if not part.is_multipart()]


def part_of_type(message, content_type: str):
    """The first part with this content type (e.g. 'text/calendar')."""
    return next(p for p in message.walk() if p.get_content_type() == content_type)


def calendar_of(message) -> icalendar.Calendar:
    """The inline text/calendar part, parsed."""
    return icalendar.Calendar.from_ical(
        part_of_type(message, "text/calendar").get_payload(decode=True)
    )


def header_block(raw: bytes) -> bytes:
    """The raw top-level header block of a message."""
    return raw.split(b"\r\n\r\n", 1)[0]


def mailbox(raw: bytes, header: str) -> tuple[str, str]:
    """(display name, address) of a one-mailbox header, decoded as RFC 2047 6.2 says.

    email.policy.default keeps the space between two adjacent encoded words inside a
    display name on Python 3.11 (CPython gh-128110), where the RFC drops it; so the name is
    taken from the raw header and decoded with email.header, which follows the RFC. The
    header block must be ASCII, as in every message Convene sends.
    """
    headers = email.message_from_string(header_block(raw).decode("ascii") + "\r\n\r\n")
    value = headers[header]
    if value is None:
        raise KeyError(header)
    name, address = parseaddr(value.replace("\r\n", ""))
    return str(make_header(decode_header(name))), address


def letter(**values) -> mime.Letter:
    """A plain invitation; override any field."""
    fields = {
        "sender": "Convene <no-reply@convene.test>",
        "recipient": "ana@example.org",
        "recipient_name": "Ana",
        "reply_to": "Cluster Policy Platform <events@cluster.example>",
        "subject": "Registration confirmed: Webinar",
        "message_id": "<0123456789abcdef@convene.test>",
        "created_at": CREATED,
        "text_body": "Hello Ana\n",
        "html_body": "<p>Hello Ana</p>\n",
        "ics": ICS.format(method="REQUEST"),
        "ics_method": "REQUEST",
        **values,
    }
    return mime.Letter(**fields)


def queue_row(app, **values) -> int:
    """Add one outbox row as given (a plain message by default); returns its id."""
    row = {
        "kind": "test",
        "sender": "Convene <no-reply@convene.test>",
        "recipient": "ana@example.org",
        "recipient_name": "Ana",
        "subject": "Hello",
        "message_id": f"<{uuid.uuid4().hex}@convene.test>",
        "text_body": "Hello Ana\n",
        "html_body": "<p>Hello Ana</p>\n",
        **values,
    }
    with app.app_context():
        begin_write(db.session)
        message = OutboxMessage(**row)
        db.session.add(message)
        db.session.commit()
        return message.id


class PickyHandler:
    """aiosmtpd handler: answers RCPT TO for chosen recipients with a chosen reply
    (`rcpt_replies`), records every message it accepts, and runs `on_first_data`, if set,
    when the first DATA arrives (to act while the sender is mid-batch)."""

    def __init__(self) -> None:
        self.rcpt_replies: dict[str, str] = {}
        self.messages: list[ReceivedMail] = []
        self.on_first_data: Callable[[], None] | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.on_first_data is not None:
            callback, self.on_first_data = self.on_first_data, None
            callback()
        raw = envelope.original_content or envelope.content
        self.messages.append(
            ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), raw, session.peer)
        )
        return "250 2.0.0 Message accepted"
