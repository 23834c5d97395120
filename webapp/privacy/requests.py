"""Data-subject requests: the emailed link, everything held on an address, and erasing it.

A person proves they own an address by opening a link mailed to it: a token signed with
its own salt over the address's key (the normalised, case-folded address every
registration stores) and a random nonce, valid DATA_REQUEST_LINK_MAX_AGE seconds. Nothing
is stored for a request; the token names no registration, so it still opens (empty) after
an erasure. The link goes out only to addresses with at least one registration: mailing
any address typed in would let anyone use Convene to send mail to strangers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from webapp import audit, i18n
from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.mail import messages
from webapp.mail.messages import MessageKind
from webapp.mail.models import OutboxMessage
from webapp.privacy import erasure
from webapp.privacy.export import registration_record
from webapp.registration import services
from webapp.registration.models import ACTIVE_STATUSES, Registration
from webapp.webhooks.models import Webhook, WebhookDelivery

SALT = "convene.privacy.data-request"
SUBJECT = _l("Your data on Convene")


class BadLink(ValueError):
    """A request link that is tampered, malformed or (with `expired`) too old."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class SubjectErased:
    """What one erasure of a person removed."""

    registration_ids: list[int] = field(default_factory=list)
    messages: int = 0
    promoted: int = 0

    @property
    def registrations(self) -> int:
        return len(self.registration_ids)


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_token(email: str, secret_key: str) -> str:
    """A signed, timestamped link token for the address's key."""
    payload = {"k": services.email_key(email), "n": secrets.token_urlsafe(9)}
    return _serializer(secret_key).dumps(payload)


def address_key(token: str, secret_key: str, max_age: int) -> str:
    """The address key a token was made for; BadLink when it is not intact and recent."""
    try:
        payload = _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise BadLink(expired=True) from None
    except BadSignature:
        raise BadLink() from None
    key = payload.get("k") if isinstance(payload, dict) else None
    if not isinstance(key, str) or not key:
        raise BadLink()
    return key


def registrations_of(key: str) -> list[Registration]:
    """Every registration of the address, for any event, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.email_key == key)
            .order_by(Registration.created_at, Registration.id)
        )
    )


def messages_to(key: str, registration_ids: list[int]) -> list[OutboxMessage]:
    """The outbox messages addressed to the person (to the address or about their rows)."""
    where = sa.func.lower(OutboxMessage.recipient) == key
    if registration_ids:
        where = sa.or_(where, OutboxMessage.registration_id.in_(registration_ids))
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(where, OutboxMessage.erased_at.is_(None))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )


def send_link(email: str, link: str, *, hours: int, language: str) -> bool:
    """Queue the link email if the address has registrations (no commit); whether it did.

    Both cases take the write transaction, look up and render, so that the answer's timing
    differs only by one row's insert.
    """
    begin_write(db.session)
    key = services.email_key(email)
    known = db.session.scalar(sa.select(Registration.id).where(Registration.email_key == key))
    kind = MessageKind.DATA_REQUEST
    language = i18n.supported(language)
    with i18n.language(language):
        text, html = messages.render_kind(kind, {"link": link, "hours": hours}, language)
        subject = str(SUBJECT)
    if known is None:
        return False
    db.session.add(
        OutboxMessage(
            **messages.envelope(kind, email, "", "", language=language),
            subject=subject,
            text_body=text,
            html_body=html,
        )
    )
    messages.note_queued()
    return True


def export(key: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything held on the address, as JSON-ready data."""
    registrations = registrations_of(key)
    ids = [registration.id for registration in registrations]
    return {
        "exported_at": (now or now_utc()).isoformat(),
        "email": key,
        "registrations": [registration_record(r) for r in registrations],
        "messages": [
            {
                "kind": message.kind,
                "subject": message.subject,
                "status": message.status.value,
                "language": message.language,
                "created_at": message.created_at.isoformat(),
                "sent_at": message.sent_at.isoformat() if message.sent_at else None,
            }
            for message in messages_to(key, ids)
        ],
        # Organisers' systems the registrations were passed on to (webhook receivers).
        "passed_on": [
            {
                "registration_id": delivery.registration_id,
                "event_type": delivery.event_type,
                "receiver": urlsplit(url).hostname,
                "status": delivery.status.value,
                "created_at": delivery.created_at.isoformat(),
            }
            for delivery, url in webhook_deliveries_about(ids)
        ],
    }


def webhook_deliveries_about(ids: list[int]) -> list[tuple[WebhookDelivery, str]]:
    """The webhook deliveries about these registrations, with their webhook's URL."""
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(WebhookDelivery, Webhook.url)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.registration_id.in_(ids))
        .order_by(WebhookDelivery.id)
    )
    return [(delivery, url) for delivery, url in rows]


def erase(key: str, *, actor: Any = None, now: datetime | None = None) -> SubjectErased:
    """Cancel the address's active registrations (promoting as usual), then erase them all.

    One write transaction; the caller commits, or rolls back and nothing happened.
    """
    now = now or now_utc()
    begin_write(db.session)
    registrations = registrations_of(key)
    if not registrations:
        return SubjectErased()
    promoted = 0
    for registration in registrations:
        if registration.status in ACTIVE_STATUSES:
            promoted += services.cancel(registration, now=now) is not None
    ids = [registration.id for registration in registrations]
    db.session.flush()
    erased = erasure.erase_registrations(ids, now=now, mentions=True)
    # Request emails go to the address as typed; the text search above matches its case
    # only on SQLite.
    extra = erasure.blank_messages(sa.func.lower(OutboxMessage.recipient) == key, now)
    audit.record(
        "privacy.subject_erased",
        actor=actor,
        object_type="registration",
        details={"count": len(ids), "registration_ids": ids, "messages": erased.messages + extra},
        now=now,
    )
    return SubjectErased(ids, erased.messages + extra, promoted)


def record_export(key: str, actor: Any) -> list[int]:
    """Audit an export of a person's data, by an admin or (actor None) by the person
    (ids only, never the address)."""
    begin_write(db.session)
    ids = [registration.id for registration in registrations_of(key)]
    audit.record(
        "privacy.subject_exported",
        actor=actor,
        object_type="registration",
        details={"count": len(ids), "registration_ids": ids},
    )
    return ids
