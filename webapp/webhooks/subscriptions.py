"""An organiser's webhooks: create, change, pause, rotate the secret, delete, test, retry.

Each function changes the session inside a write transaction and records the action in
the audit log (ids and field names only, never the URL's secret); the view commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from webapp import audit
from webapp.db import begin_write, lock_row, now_utc
from webapp.extensions import db
from webapp.webhooks import signing
from webapp.webhooks.models import (
    PENDING_STATUSES,
    PING,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
)
from webapp.webhooks.services import add_delivery, manages

DELIVERIES_SHOWN = 50
URL_CHANGED_NOTE = "Not sent: made for the webhook's earlier address."


class RetryRefused(Exception):
    """The delivery cannot be sent again; the message is fit to show the organiser."""


@dataclass(frozen=True)
class Subscription:
    """What the organiser's form says."""

    url: str
    event_id: int | None
    event_types: tuple[str, ...]
    active: bool = True


def owned(organiser, webhook_id: int, *, lock: bool = False) -> Webhook | None:
    """The organiser's webhook `webhook_id`, or None (someone else's is none)."""
    if lock:
        hook = lock_row(db.session, Webhook, webhook_id)
    else:
        hook = db.session.get(Webhook, webhook_id)
    return hook if hook is not None and hook.organiser_id == organiser.id else None


def of_organiser(organiser) -> list[Webhook]:
    """The organiser's webhooks, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Webhook).where(Webhook.organiser_id == organiser.id).order_by(Webhook.id)
        )
    )


def recent_deliveries(hook: Webhook) -> list[WebhookDelivery]:
    """The webhook's latest deliveries, newest first."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == hook.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(DELIVERIES_SHOWN)
        )
    )


def _audit(action: str, organiser, hook: Webhook, **details) -> None:
    audit.record(
        action,
        actor=organiser,
        object_type="webhook",
        object_id=hook.id,
        event_id=hook.event_id,
        details=details,
    )


def create(organiser, data: Subscription) -> Webhook:
    """A new webhook with a fresh secret."""
    begin_write(db.session)
    hook = Webhook(organiser_id=organiser.id, secret=signing.new_secret())
    _apply(hook, data)
    db.session.add(hook)
    db.session.flush()
    _audit("webhook.created", organiser, hook, event_types=list(data.event_types))
    return hook


def _apply(hook: Webhook, data: Subscription) -> list[str]:
    values = {
        "url": data.url,
        "event_id": data.event_id,
        "event_types": ",".join(data.event_types),
        "active": data.active,
    }
    changed = [name for name, value in values.items() if getattr(hook, name) != value]
    for name in changed:
        setattr(hook, name, values[name])
    if data.active:
        hook.paused_reason = ""
    return changed


def update(organiser, hook: Webhook, data: Subscription) -> list[str]:
    """Apply the form to a webhook (locked by the caller); returns the changed fields."""
    begin_write(db.session)
    changed = _apply(hook, data)
    if "url" in changed:
        _forget_unsent(hook)
    if changed:
        _audit("webhook.changed", organiser, hook, fields=sorted(changed))
    return changed


def _forget_unsent(hook: Webhook) -> None:
    """Fail the deliveries not yet delivered and drop their data: they were meant for the
    old address, whose owner may not be the new one's."""
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == hook.id,
            WebhookDelivery.status.in_((*PENDING_STATUSES, DeliveryStatus.FAILED)),
        )
        .values(
            status=DeliveryStatus.FAILED,
            finished_at=now_utc(),
            last_error=URL_CHANGED_NOTE,
            payload="",
            last_response="",
        )
        .execution_options(synchronize_session=False)
    )


def set_active(organiser, hook: Webhook, active: bool) -> None:
    """Pause or resume a webhook; paused, its deliveries wait."""
    begin_write(db.session)
    if hook.active != active:
        hook.active = active
        hook.paused_reason = ""
        _audit("webhook.changed", organiser, hook, fields=["active"])


def rotate_secret(organiser, hook: Webhook) -> None:
    """Give the webhook a new secret; deliveries from now on are signed with it."""
    begin_write(db.session)
    hook.secret = signing.new_secret()
    _audit("webhook.secret_rotated", organiser, hook)


def delete(organiser, hook: Webhook) -> None:
    """Delete the webhook and its deliveries."""
    begin_write(db.session)
    _audit("webhook.deleted", organiser, hook)
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
    db.session.delete(hook)


def ping(organiser, hook: Webhook, *, now: datetime | None = None) -> WebhookDelivery:
    """Queue a test delivery that names only the webhook."""
    begin_write(db.session)
    delivery = add_delivery(hook, PING, {"webhook": {"id": hook.id}}, now or now_utc())
    _audit("webhook.pinged", organiser, hook)
    return delivery


def retry(organiser, hook: Webhook, delivery_id: int, *, now: datetime | None = None) -> None:
    """Send a retrying or failed delivery again at the next round; RetryRefused if it
    cannot be."""
    begin_write(db.session)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    retriable = (DeliveryStatus.RETRYING, DeliveryStatus.FAILED)
    if delivery is None or delivery.webhook_id != hook.id or delivery.status not in retriable:
        raise RetryRefused(_l("This request cannot be sent again."))
    if delivery.last_error == URL_CHANGED_NOTE:
        raise RetryRefused(_l("This request was made for the webhook's earlier address."))
    if not delivery.payload:
        raise RetryRefused(_l("This request's data was erased: there is nothing to send."))
    if not manages(organiser, delivery.event_id or hook.event_id):
        raise RetryRefused(_l("You no longer manage this event, so its requests are not sent."))
    delivery.status = DeliveryStatus.RETRYING
    delivery.next_attempt_at = now or now_utc()
    delivery.finished_at = None
    delivery.attempts = 0  # the organiser asked: a full schedule of attempts again
    _audit("webhook.delivery_retried", organiser, hook, delivery_id=delivery.id)
