"""`registration.erased`: erasure (a person's request, or the retention purge) tells the
subscribed webhooks which registration went, with nothing personal in the request."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from tests.privacy_support import database_text
from tests.registration_support import register
from tests.webhook_support import make_webhook
from webapp.db import begin_write
from webapp.events.models import Event
from webapp.extensions import db
from webapp.privacy import requests as subject_requests
from webapp.privacy import retention
from webapp.registration.models import Registration
from webapp.webhooks import services as webhook_services
from webapp.webhooks.models import ERASED, DeliveryStatus, WebhookDelivery

URL = "https://crm.example.org/hook"
PERSON = {"first_name": "Åsa", "last_name": "Lindqvist-Øberg"}
EMAIL = "asa.lindqvist@example.se"
PERSONAL = (EMAIL, "Åsa", "Lindqvist-Øberg")


def erased_deliveries(app) -> list[tuple[int, dict, DeliveryStatus]]:
    """(webhook id, payload's data, status) of every registration.erased delivery."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.event_type == ERASED)
            .order_by(WebhookDelivery.id)
        )
        return [(row.webhook_id, json.loads(row.payload)["data"], row.status) for row in rows]


def subject_erase(app, registration_id: int) -> None:
    with app.app_context():
        key = db.session.get(Registration, registration_id).email_key
        subject_requests.erase(key)
        db.session.commit()


def test_a_persons_erasure_queues_one_erased_delivery_per_registration(
    app, signed_in_organiser, make_event
):
    events = [make_event(owner_id=signed_in_organiser) for _ in range(2)]
    hook_id, _ = make_webhook(app, signed_in_organiser, URL)
    make_webhook(app, signed_in_organiser, URL, types=["registration.created"])
    first, _, _ = register(app, events[0].id, EMAIL, **PERSON)
    second, _, _ = register(app, events[1].id, EMAIL, **PERSON)
    register(app, events[0].id, "bo@example.dk", first_name="Bo")
    assert EMAIL in database_text(app)

    subject_erase(app, first)

    assert erased_deliveries(app) == [
        (hook_id, {"registration": {"id": rid}, "event": {"id": e.id, "slug": e.slug}}, "queued")
        for rid, e in ((first, events[0]), (second, events[1]))
    ]
    text = database_text(app)
    assert not any(value in text for value in PERSONAL)
    assert "bo@example.dk" in text  # someone else's deliveries stay


def test_the_retention_purge_queues_one_erased_delivery_per_registration(
    app, clock, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser, capacity=10)
    hook_id, _ = make_webhook(app, signed_in_organiser, URL, event_id=event.id, types=[ERASED])
    ids = [register(app, event.id, EMAIL, **PERSON)[0]]
    ids.append(register(app, event.id, "bo@example.dk", first_name="Bo")[0])
    assert erased_deliveries(app) == []
    with app.app_context():
        due = retention.purge_due_at(db.session.get(Event, event.id))
    clock.move_to(due + timedelta(days=1))

    with app.app_context():
        assert retention.purge_event(event.id, now=due + timedelta(days=1)) is not None
        db.session.commit()

    expected_event = {"id": event.id, "slug": event.slug}
    assert erased_deliveries(app) == [
        (hook_id, {"registration": {"id": rid}, "event": expected_event}, "queued")
        for rid in sorted(ids)
    ]
    text = database_text(app)
    assert not any(value in text for value in (*PERSONAL, "bo@example.dk"))


def test_nothing_is_queued_for_webhooks_not_subscribed_or_paused(
    app, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser)
    make_webhook(app, signed_in_organiser, URL, types=["registration.created"])
    make_webhook(app, signed_in_organiser, URL, types=[ERASED], active=False)
    registration_id, _, _ = register(app, event.id, EMAIL, **PERSON)

    subject_erase(app, registration_id)

    assert erased_deliveries(app) == []


def test_without_webhooks_erasure_asks_one_query(app, signed_in_organiser, make_event):
    event = make_event(owner_id=signed_in_organiser)
    registration_id, _, _ = register(app, event.id, EMAIL, **PERSON)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        begin_write(db.session)
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert webhook_services.registrations_erased([registration_id]) == 0
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
    assert len(statements) == 1 and "webhook" in statements[0]


def test_the_form_offers_registration_erased(app, client, signed_in_organiser):
    page = client.get("/organiser/webhooks/new").get_data(as_text=True)
    assert 'value="registration.erased"' in page
    assert "A registration's personal data is erased</label>" in page
