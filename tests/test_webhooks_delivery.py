"""Webhook deliveries against a real HTTP receiver: signed, retried with backoff, bounded
by a total deadline, never redirected."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.webhook_support import (
    Behaviour,
    Receiver,
    allow_private,
    deliveries,
    make_webhook,
    readme_verifier,
)
from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.webhooks import delivery, signing
from webapp.webhooks.models import DeliveryStatus, Webhook
from webapp.webhooks.services import add_delivery


@pytest.fixture
def app_config(app_config):
    app_config["WEBHOOK_TIMEOUT"] = 1.0
    app_config["WEBHOOK_MAX_ATTEMPTS"] = 3
    return app_config


@pytest.fixture
def receiver():
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def organiser(app):
    from tests.organiser_support import make_organiser

    return make_organiser(app, "olga@cluster.example")


def queue_ping(app, webhook_id: int) -> int:
    with app.app_context():
        begin_write(db.session)
        hook = db.session.get(Webhook, webhook_id)
        row = add_delivery(hook, "ping", {"webhook": {"id": webhook_id}}, now_utc())
        db.session.commit()
        return row.id


def deliver(app, **options) -> delivery.Report:
    with app.app_context():
        return delivery.deliver_due(**options)


def test_a_delivery_is_signed_and_the_readme_check_accepts_it(app, receiver, organiser):
    allow_private(app)
    hook_id, secret = make_webhook(app, organiser, receiver.url)
    queue_ping(app, hook_id)

    report = deliver(app)

    assert report.delivered == 1
    [request] = receiver.requests
    row = deliveries(app)[0]
    assert request.path == "/hook"
    assert request.headers["X-Convene-Event"] == "ping"
    assert request.headers["X-Convene-Delivery"] == row.uuid == request.json["id"]
    assert request.headers["Content-Type"].startswith("application/json")
    verify = readme_verifier()
    signature = request.headers["X-Convene-Signature"]
    assert verify(secret, request.body, signature)
    assert row.status == DeliveryStatus.DELIVERED and row.last_status_code == 200
    assert row.last_response == "ok" and row.finished_at is not None


def test_the_readme_check_refuses_wrong_secret_tampered_body_and_old_timestamp():
    verify = readme_verifier()
    body = json.dumps({"id": "x", "type": "ping"}).encode()
    now = 1_800_000_000
    header = signing.signature("whsec_right", now, body)

    assert verify("whsec_right", body, header, now=now)
    assert verify("whsec_right", body, header, now=now + 299)
    assert not verify("whsec_wrong", body, header, now=now)
    assert not verify("whsec_right", body + b" ", header, now=now)
    assert not verify("whsec_right", body, header, now=now + 301)
    assert not verify("whsec_right", body, header, now=now - 301)
    assert not verify("whsec_right", body, "v1=abc", now=now)
    assert not verify("whsec_right", body, "garbage", now=now)
    stale = signing.signature("whsec_right", now - 600, body)
    assert not verify("whsec_right", body, stale, now=now)


def test_a_500_is_retried_with_growing_backoff_then_fails(app, receiver, organiser, clock):
    allow_private(app)
    receiver.behaviour = Behaviour(status=500, body=b"database down")
    hook_id, _ = make_webhook(app, organiser, receiver.url)
    queue_ping(app, hook_id)

    start = now_utc()
    assert deliver(app).retried == 1
    row = deliveries(app)[0]
    assert row.status == DeliveryStatus.RETRYING and row.attempts == 1
    assert row.last_status_code == 500 and row.last_response == "database down"
    assert row.next_attempt_at == start + timedelta(minutes=1)
    assert deliver(app).retried == 0  # not due yet: nothing is sent
    assert len(receiver.requests) == 1

    clock.shift(timedelta(minutes=1))
    assert deliver(app).retried == 1
    row = deliveries(app)[0]
    assert row.attempts == 2 and row.next_attempt_at == now_utc() + timedelta(minutes=5)

    clock.shift(timedelta(minutes=5))
    assert deliver(app).failed == 1  # WEBHOOK_MAX_ATTEMPTS = 3
    row = deliveries(app)[0]
    assert row.status == DeliveryStatus.FAILED and row.finished_at == now_utc()
    assert len(receiver.requests) == 3
    assert len({r.headers["X-Convene-Delivery"] for r in receiver.requests}) == 1


def test_a_receiver_slower_than_the_deadline_is_cut_off_and_retried(app, receiver, organiser):
    allow_private(app)
    receiver.behaviour = Behaviour(delay=30)  # far past WEBHOOK_TIMEOUT = 1
    hook_id, _ = make_webhook(app, organiser, receiver.url)
    queue_ping(app, hook_id)

    report = deliver(app)

    assert report.retried == 1
    row = deliveries(app)[0]
    assert row.status == DeliveryStatus.RETRYING and row.attempts == 1
    assert row.last_status_code is None and "No answer within 1 seconds" in row.last_error


def test_a_redirect_is_not_followed_and_counts_as_a_failure(app, receiver, organiser):
    allow_private(app)
    receiver.behaviour = Behaviour(
        status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    hook_id, _ = make_webhook(app, organiser, receiver.url)
    queue_ping(app, hook_id)

    assert deliver(app).retried == 1

    row = deliveries(app)[0]
    assert row.last_status_code == 302 and "redirects are not followed" in row.last_error
    assert len(receiver.requests) == 1


def test_410_gone_pauses_the_webhook_and_paused_webhooks_wait(app, receiver, organiser, clock):
    allow_private(app)
    receiver.behaviour = Behaviour(status=410, body=b"gone")
    hook_id, _ = make_webhook(app, organiser, receiver.url)
    queue_ping(app, hook_id)
    deliver(app)
    queue_ping(app, hook_id)
    clock.shift(timedelta(hours=1))

    assert deliver(app).retried == 0

    with app.app_context():
        hook = db.session.get(Webhook, hook_id)
        assert not hook.active and "410" in hook.paused_reason
    assert len(receiver.requests) == 1
    assert [row.status for row in deliveries(app)] == [
        DeliveryStatus.RETRYING,
        DeliveryStatus.QUEUED,
    ]


def test_the_answer_kept_is_bounded_and_free_of_control_characters(app, receiver, organiser):
    allow_private(app)
    receiver.behaviour = Behaviour(status=200, body="ok\x1b[31m\x00\u202e".encode() + b"x" * 5000)
    hook_id, _ = make_webhook(app, organiser, receiver.url)
    queue_ping(app, hook_id)

    deliver(app)

    row = deliveries(app)[0]
    assert row.status == DeliveryStatus.DELIVERED
    assert len(row.last_response) <= 1024
    assert row.last_response.startswith("ok[31m") and "\x1b" not in row.last_response


def test_a_claimed_delivery_is_not_claimed_twice(app, receiver, organiser):
    allow_private(app)
    hook_id, _ = make_webhook(app, organiser, receiver.url)
    queue_ping(app, hook_id)
    with app.app_context():
        first = delivery.claim(10)
        second = delivery.claim(10)
    assert len(first) == 1 and second == []
