"""Deliveries go only where they still may: not for a deactivated organiser, not about an
event the organiser no longer manages, and never earlier data to a changed address."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.organiser_support import make_organiser
from tests.webhook_support import Receiver, allow_private, deliveries, make_webhook
from webapp.db import begin_write, now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.organiser.models import Organiser
from webapp.webhooks import delivery
from webapp.webhooks.models import DeliveryStatus, Webhook
from webapp.webhooks.services import INACTIVE_NOTE, NOT_MANAGED_NOTE, add_delivery
from webapp.webhooks.subscriptions import URL_CHANGED_NOTE


@pytest.fixture
def receiver():
    server = Receiver()
    server.start()
    yield server
    server.stop()


def queue(app, hook_id: int, event_id: int | None = None, status=DeliveryStatus.QUEUED) -> int:
    with app.app_context():
        begin_write(db.session)
        hook = db.session.get(Webhook, hook_id)
        row = add_delivery(hook, "event.changed", {"event": {"id": event_id}}, now_utc(), event_id)
        row.status = status
        db.session.commit()
        return row.id


def set_co_organiser(app, event_id: int, organiser_id: int, present: bool) -> None:
    with app.app_context():
        begin_write(db.session)
        event = db.session.get(Event, event_id)
        organiser = db.session.get(Organiser, organiser_id)
        if present:
            event.co_organisers.append(organiser)
        else:
            event.co_organisers.remove(organiser)
        db.session.commit()


def deliver(app) -> delivery.Report:
    with app.app_context():
        return delivery.deliver_due()


@pytest.fixture
def shared_event(app, signed_in_organiser, make_event):
    """An event owned by Otto and co-organised by the signed-in Olga."""
    owner = make_organiser(app, "otto@other.example")
    event = make_event(owner_id=owner)
    set_co_organiser(app, event.id, signed_in_organiser, True)
    return event


def test_a_deactivated_organisers_deliveries_fail_unsent(app, receiver, signed_in_organiser):
    allow_private(app)
    hook_id, _ = make_webhook(app, signed_in_organiser, receiver.url)
    queue(app, hook_id)
    with app.app_context():
        begin_write(db.session)
        db.session.get(Organiser, signed_in_organiser).is_active_account = False
        db.session.commit()

    report = deliver(app)

    assert report.delivered == 0 and receiver.requests == []
    [row] = deliveries(app)
    assert row.status == DeliveryStatus.FAILED and row.last_error == INACTIVE_NOTE
    assert row.finished_at is not None


@pytest.mark.parametrize("scoped", [True, False])
def test_a_removed_co_organisers_deliveries_about_the_event_fail_unsent(
    app, receiver, signed_in_organiser, shared_event, scoped
):
    allow_private(app)
    scope = shared_event.id if scoped else None
    hook_id, _ = make_webhook(app, signed_in_organiser, receiver.url, event_id=scope)
    queue(app, hook_id, shared_event.id)
    about_nothing = queue(app, hook_id)  # a test request is still the organiser's own
    set_co_organiser(app, shared_event.id, signed_in_organiser, False)

    deliver(app)

    rows = {row.id: row for row in deliveries(app)}
    [about_event] = [row for key, row in rows.items() if key != about_nothing]
    assert about_event.status == DeliveryStatus.FAILED
    assert about_event.last_error == NOT_MANAGED_NOTE
    expected = DeliveryStatus.FAILED if scoped else DeliveryStatus.DELIVERED
    assert rows[about_nothing].status == expected
    assert len(receiver.requests) == (0 if scoped else 1)


def test_retry_is_refused_once_the_organiser_no_longer_manages_the_event(
    app, client, receiver, signed_in_organiser, shared_event
):
    allow_private(app)
    hook_id, _ = make_webhook(app, signed_in_organiser, receiver.url)
    row_id = queue(app, hook_id, shared_event.id, status=DeliveryStatus.FAILED)
    set_co_organiser(app, shared_event.id, signed_in_organiser, False)

    response = client.post(f"/organiser/webhooks/{hook_id}/deliveries/{row_id}/retry")

    assert response.status_code == 409
    assert "You no longer manage this event" in response.get_data(as_text=True)
    [row] = deliveries(app)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 0
    deliver(app)
    assert receiver.requests == []


def test_a_changed_address_never_gets_earlier_deliveries(
    app, client, receiver, signed_in_organiser
):
    allow_private(app)
    hook_id, _ = make_webhook(app, signed_in_organiser, "http://127.0.0.1:9/old")
    failed = queue(app, hook_id, status=DeliveryStatus.FAILED)
    waiting = queue(app, hook_id, status=DeliveryStatus.RETRYING)
    data = {"url": receiver.url, "scope": "", "event_types": ["event.changed"], "active": "y"}

    assert client.post(f"/organiser/webhooks/{hook_id}", data=data).status_code == 302
    deliver(app)

    assert receiver.requests == []
    for row in deliveries(app):
        assert row.status == DeliveryStatus.FAILED and row.last_error == URL_CHANGED_NOTE
        assert row.payload == ""
    for row_id in (failed, waiting):
        refused = client.post(f"/organiser/webhooks/{hook_id}/deliveries/{row_id}/retry")
        assert refused.status_code == 409
        assert "earlier address" in refused.get_data(as_text=True)
    new = queue(app, hook_id)
    deliver(app)
    assert len(receiver.requests) == 1
    assert {row.id for row in deliveries(app) if row.status == DeliveryStatus.DELIVERED} == {new}


def test_saving_without_changing_the_address_keeps_deliveries(
    app, client, receiver, signed_in_organiser
):
    allow_private(app)
    hook_id, _ = make_webhook(app, signed_in_organiser, receiver.url)
    queue(app, hook_id)
    data = {"url": receiver.url, "scope": "", "event_types": ["event.changed"], "active": "y"}

    assert client.post(f"/organiser/webhooks/{hook_id}", data=data).status_code == 302
    deliver(app)

    assert len(receiver.requests) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(Webhook.url)) == receiver.url
