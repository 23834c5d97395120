"""Queue deliveries in the cause's transaction, and keep their personal data only as long
as needed.

Registration and event services call `registration_event` / `event_event` (one line each)
inside their own write transaction, so a delivery exists exactly when its cause was
committed. That costs one indexed query, which finds the matching webhooks (on a site
without webhooks, a look at an empty table); the payload is built only if there is one.
A per-process "no webhooks" flag would save that query but could not learn of a webhook
created through another process without asking the database, so it is not kept.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from webapp.db import begin_write, now_utc
from webapp.events.models import Event, event_organisers
from webapp.extensions import db
from webapp.registration.models import Registration
from webapp.webhooks.models import (
    ERASED,
    PENDING_STATUSES,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
)
from webapp.webhooks.payloads import event_data, registration_data

ERASED_NOTE = "Payload erased before delivery."
INACTIVE_NOTE = "Not sent: the webhook's organiser account is deactivated."
NOT_MANAGED_NOTE = "Not sent: the webhook's organiser no longer manages this event."


def matching(event_type: str, event: Event) -> list[Webhook]:
    """Active webhooks of the event's organisers that subscribed to `event_type`."""
    co_organisers = sa.select(event_organisers.c.organiser_id).where(
        event_organisers.c.event_id == event.id
    )
    manages = sa.or_(
        Webhook.organiser_id == event.owner_id, Webhook.organiser_id.in_(co_organisers)
    )
    rows = db.session.execute(
        sa.select(Webhook, manages.label("manages"))
        .where(
            Webhook.active,
            sa.or_(sa.and_(Webhook.event_id.is_(None), manages), Webhook.event_id == event.id),
        )
        .order_by(Webhook.id)
    ).all()
    # The organiser is read only for a webhook that matched, so a site without webhooks
    # never looks organisers up on a registration.
    return [
        hook
        for hook, manager in rows
        if event_type in hook.types
        and hook.organiser.is_active_account
        and (manager or hook.organiser.is_admin)
    ]


def manages(organiser, event_id: int | None) -> bool:
    """Whether `organiser` may still hear about event `event_id` (None: about no event)."""
    if event_id is None or organiser.is_admin:
        return True
    event = db.session.get(Event, event_id)
    if event is None:
        return False
    return event.owner_id == organiser.id or any(
        co.id == organiser.id for co in event.co_organisers
    )


def refusal(hook: Webhook, event_id: int | None) -> str:
    """Why a delivery about `event_id` may not go to `hook` any more; "" if it may."""
    if not hook.organiser.is_active_account:
        return INACTIVE_NOTE
    if not manages(hook.organiser, event_id if event_id is not None else hook.event_id):
        return NOT_MANAGED_NOTE
    return ""


def queue(
    event_type: str,
    event: Event,
    payload_factory: Callable[[], dict],
    *,
    registration_id: int | None = None,
    now: datetime | None = None,
) -> list[WebhookDelivery]:
    """Add a delivery per matching webhook to the current write transaction."""
    hooks = matching(event_type, event)
    if not hooks:
        return []
    begin_write(db.session)
    now = now or now_utc()
    data = payload_factory()
    return [add_delivery(hook, event_type, data, now, event.id, registration_id) for hook in hooks]


def add_delivery(
    hook: Webhook,
    event_type: str,
    data: dict,
    now: datetime,
    event_id: int | None = None,
    registration_id: int | None = None,
) -> WebhookDelivery:
    """One queued delivery of `data` to `hook`."""
    delivery_id = str(uuid.uuid4())
    created = now.isoformat().replace("+00:00", "Z")
    body = {"id": delivery_id, "type": event_type, "created": created, "data": data}
    delivery = WebhookDelivery(
        uuid=delivery_id,
        webhook_id=hook.id,
        event_type=event_type,
        event_id=event_id,
        registration_id=registration_id,
        payload=json.dumps(body, ensure_ascii=False, sort_keys=True),
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(delivery)
    return delivery


def registration_event(event_type: str, registration: Registration) -> None:
    """Queue `event_type` (registration.*) for a registration changed in this transaction."""
    if registration.id is None:
        db.session.flush()
    queue(
        event_type,
        registration.event,
        lambda: {
            "event": event_data(registration.event),
            "registration": registration_data(registration),
        },
        registration_id=registration.id,
    )


def event_event(event_type: str, event: Event) -> None:
    """Queue `event_type` (event.*) for an event changed in this transaction."""
    queue(event_type, event, lambda: {"event": event_data(event)})


def registrations_erased(ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Queue `registration.erased`, naming only the registration and its event, for each of
    these registrations (about to be deleted); returns how many deliveries were queued.

    The deliveries carry no registration_id: nothing personal is in them, so no erasure
    has to blank them. On a site where no webhook subscribed to it, this is one query.
    """
    ids = sorted(set(ids))
    begin_write(db.session)
    subscribed = sa.select(Webhook.id).where(Webhook.active, Webhook.event_types.contains(ERASED))
    if not ids or db.session.scalar(subscribed.limit(1)) is None:
        return 0
    now = now or now_utc()
    rows = db.session.execute(
        sa.select(Registration.id, Event)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.id.in_(ids))
        .order_by(Registration.id)
    ).all()
    hooks_of: dict[int, list[Webhook]] = {}
    queued = 0
    for registration_id, event in rows:
        if event.id not in hooks_of:
            hooks_of[event.id] = matching(ERASED, event)
        data = {
            "registration": {"id": registration_id},
            "event": {"id": event.id, "slug": event.slug},
        }
        for hook in hooks_of[event.id]:
            add_delivery(hook, ERASED, data, now, event.id)
            queued += 1
    return queued


def erase_payloads_for_registrations(ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Erase the payloads about these registrations; unsent ones are not sent. Returns the
    number of deliveries erased (the caller commits)."""
    ids = list(ids)
    if not ids:
        return 0
    begin_write(db.session)
    now = now or now_utc()
    about = WebhookDelivery.registration_id.in_(ids)
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(about, WebhookDelivery.status.in_(PENDING_STATUSES))
        .values(status=DeliveryStatus.FAILED, finished_at=now, last_error=ERASED_NOTE)
    )
    result = db.session.execute(
        sa.update(WebhookDelivery)
        .where(about, sa.or_(WebhookDelivery.payload != "", WebhookDelivery.last_response != ""))
        .values(payload="", last_response="")
    )
    return result.rowcount or 0


def _expired_payloads(now: datetime) -> sa.ColumnElement[bool]:
    """Deliveries finished more than OUTBOX_BODY_RETENTION_DAYS ago that still carry data."""
    cutoff = now - timedelta(days=current_app.config["OUTBOX_BODY_RETENTION_DAYS"])
    return sa.and_(
        WebhookDelivery.status.in_((DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)),
        WebhookDelivery.finished_at < cutoff,
        sa.or_(WebhookDelivery.payload != "", WebhookDelivery.last_response != ""),
    )


def count_expired_payloads(now: datetime) -> int:
    """How many deliveries purge_delivered_payloads() would erase now."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(WebhookDelivery).where(_expired_payloads(now))
    )


def purge_delivered_payloads(now: datetime | None = None) -> int:
    """Erase the payloads (and the receivers' answers, which may echo them) of deliveries
    finished more than OUTBOX_BODY_RETENTION_DAYS ago (the caller commits); returns how many."""
    begin_write(db.session)
    now = now or now_utc()
    result = db.session.execute(
        sa.update(WebhookDelivery)
        .where(_expired_payloads(now))
        .values(payload="", last_response="")
    )
    return result.rowcount or 0
