"""How deliveries leave: claim due ones, POST each signed within its deadline, record it.

The mail outbox's pattern (webapp/mail/delivery.py): a short committed claim marks rows
`sending` (FOR UPDATE SKIP LOCKED on PostgreSQL, so workers share the work) and returns
plain data; no transaction stays open while a receiver is talked to; each outcome is
written only over the same claim. A crash leaves rows `sending`, claimed again after
STALE_CLAIM. A delivery whose webhook's organiser was deactivated, or no longer manages
the delivery's event (a co-organiser removed), is failed at its claim and never sent;
a paused webhook's deliveries wait. A 2xx answer delivers; 410 Gone pauses the webhook; anything else (a redirect
included: none is followed), a refused address, a connection error or the deadline
passing is retried on BACKOFF until WEBHOOK_MAX_ATTEMPTS attempts, then fails.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.webhooks import addresses, services, signing, transport
from webapp.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

BATCH_SIZE = 20
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 30, 120, 360))  # then every 6 hours
STALE_CLAIM = timedelta(minutes=10)
GONE_NOTE = "The receiver answered 410 Gone."


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery as plain data: everything to send it."""

    id: int
    uuid: str
    webhook_id: int
    url: str
    secret: str
    event_type: str
    payload: str
    attempts: int
    claimed_at: datetime


@dataclass
class Report:
    """What one pass did."""

    delivered: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def deliver_due(*, now: datetime | None = None, limit: int = BATCH_SIZE) -> Report:
    """One pass: send up to `limit` due deliveries, one after another."""
    report = Report()
    for item in claim(limit, now=now):
        outcome = attempt(item)
        record(item, outcome, report, now=now)
    return report


def _due(now: datetime) -> sa.ColumnElement[bool]:
    """Deliveries whose time has come, and claims a crashed sender left behind."""
    return sa.or_(
        sa.and_(
            WebhookDelivery.status.in_((DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)),
            WebhookDelivery.next_attempt_at <= now,
        ),
        sa.and_(
            WebhookDelivery.status == DeliveryStatus.SENDING,
            WebhookDelivery.claimed_at < now - STALE_CLAIM,
        ),
    )


def claim(limit: int, *, now: datetime | None = None) -> list[Claimed]:
    """Mark up to `limit` due deliveries of active webhooks `sending` (committed); fail
    those whose organiser is deactivated or no longer manages their event."""
    now = now or now_utc()
    begin_write(db.session)
    rows = db.session.execute(
        sa.select(WebhookDelivery, Webhook)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(_due(now), Webhook.active)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    ).all()
    claimed = []
    for row, hook in rows:
        refused = services.refusal(hook, row.event_id)
        if refused:
            row.status, row.finished_at, row.last_error = DeliveryStatus.FAILED, now, refused
            continue
        row.attempts += 1
        row.status, row.claimed_at = DeliveryStatus.SENDING, now
        values = (row.id, row.uuid, row.webhook_id, hook.url, hook.secret, row.event_type)
        claimed.append(Claimed(*values, row.payload, row.attempts, now))
    db.session.commit()
    return claimed


def attempt(item: Claimed) -> transport.Answer | str:
    """Send one claimed delivery: the receiver's Answer, or why there was none."""
    body = item.payload.encode()
    headers = signing.headers(item.secret, int(time.time()), body, item.event_type, item.uuid)
    try:
        return transport.post(
            item.url,
            body,
            headers,
            deadline=float(current_app.config["WEBHOOK_TIMEOUT"]),
            private_allowed=addresses.allow_private(),
        )
    except addresses.UnsafeURL as refused:
        return f"Refused: {refused}"
    except transport.SendFailed as failed:
        return str(failed)
    except Exception as unexpected:  # recorded, never left claimed until STALE_CLAIM
        current_app.logger.exception("Webhook delivery %s failed", item.id)
        return transport.describe(unexpected)


def record(item: Claimed, outcome, report: Report, *, now: datetime | None = None) -> None:
    """Write the outcome over this claim (one short transaction)."""
    now = now or now_utc()
    values: dict[str, object] = {"last_status_code": None, "last_response": "", "last_error": ""}
    if isinstance(outcome, transport.Answer):
        values.update(last_status_code=outcome.status, last_response=outcome.excerpt)
        if not 200 <= outcome.status < 300:
            values["last_error"] = _http_error(outcome.status)
    else:
        values["last_error"] = outcome[:500]
    delivered = isinstance(outcome, transport.Answer) and 200 <= outcome.status < 300
    values.update(_next_state(item, delivered, now, report))
    begin_write(db.session)
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == item.id,
            WebhookDelivery.status == DeliveryStatus.SENDING,
            WebhookDelivery.claimed_at == item.claimed_at,
        )
        .values(**values)
    )
    if isinstance(outcome, transport.Answer) and outcome.status == 410:
        db.session.execute(
            sa.update(Webhook)
            .where(Webhook.id == item.webhook_id)
            .values(active=False, paused_reason=GONE_NOTE)
        )
    db.session.commit()


def _next_state(item: Claimed, delivered: bool, now: datetime, report: Report) -> dict:
    if delivered:
        report.delivered += 1
        return {"status": DeliveryStatus.DELIVERED, "finished_at": now}
    if item.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        report.failed += 1
        return {"status": DeliveryStatus.FAILED, "finished_at": now}
    report.retried += 1
    return {"status": DeliveryStatus.RETRYING, "next_attempt_at": now + backoff(item.attempts)}


def _http_error(status: int) -> str:
    if 300 <= status < 400:
        return f"HTTP {status}: redirects are not followed."
    return f"HTTP {status}"
