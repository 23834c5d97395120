"""Webhooks beside mail: the mail worker keeps sending email while a receiver hangs, and
`flask webhooks deliver` / `purge` for cron; payloads erased on request and after retention."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.mail_support import outbox_rows
from tests.organiser_support import make_organiser
from tests.registration_support import register
from tests.webhook_support import Behaviour, Receiver, allow_private, deliveries, make_webhook
from webapp import PROJECT_ROOT
from webapp.extensions import db
from webapp.mail.models import OutboxStatus
from webapp.webhooks import services
from webapp.webhooks.models import DeliveryStatus


@pytest.fixture
def receiver():
    server = Receiver()
    server.start()
    yield server
    server.stop()


def _wait_until(predicate, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
    return predicate()


def test_mail_goes_out_while_a_webhook_receiver_hangs(app, smtp_server, make_event, receiver):
    organiser = make_organiser(app, "olga@cluster.example")
    event = make_event(owner_id=organiser)
    allow_private(app)
    make_webhook(app, organiser, receiver.url)
    receiver.behaviour = Behaviour(delay=120)  # hangs until released
    register(app, event.id, "first@example.org")
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "CONVENE_BASE_URL": app.config["CONVENE_BASE_URL"],
        "MAIL_SERVER": smtp_server.host,
        "MAIL_PORT": str(smtp_server.port),
        "WEBHOOK_TIMEOUT": "120",
    }
    flask = Path(sys.executable).parent / "flask"
    worker = subprocess.Popen(
        [str(flask), "mail", "worker", "--interval", "0.2"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_until(lambda: len(receiver.requests) == 1)  # the receiver holds it
        assert _wait_until(lambda: len(smtp_server.messages) == 1)
        register(app, event.id, "second@example.org")
        assert _wait_until(lambda: len(smtp_server.messages) == 2)
        assert len(receiver.requests) == 1  # still hanging on the first
        assert deliveries(app)[0].status == DeliveryStatus.SENDING
        receiver.behaviour = Behaviour()
        receiver.release.set()
        assert _wait_until(lambda: len(receiver.requests) == 2)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert [row.status for row in outbox_rows(app)] == [OutboxStatus.SENT] * 2
    assert [row.status for row in deliveries(app)] == [DeliveryStatus.DELIVERED] * 2


def test_deliver_command_sends_what_is_due(app, runner, make_event, receiver):
    organiser = make_organiser(app, "olga@cluster.example")
    allow_private(app)
    make_webhook(app, organiser, receiver.url)
    register(app, make_event(owner_id=organiser).id)

    result = runner.invoke(args=["webhooks", "deliver"])

    assert result.exit_code == 0, result.output
    assert "Delivered 1, to retry 0, failed 0." in result.output
    assert json.loads(receiver.requests[0].body)["type"] == "registration.created"


def test_erasure_removes_payloads_and_stops_unsent_deliveries(app, make_event):
    organiser = make_organiser(app, "olga@cluster.example")
    make_webhook(app, organiser, "https://hooks.example.org/in")
    event = make_event(owner_id=organiser)
    erased_id, _, _ = register(app, event.id, "erase.me@example.org")
    register(app, event.id, "keep.me@example.org")

    with app.app_context():
        assert services.erase_payloads_for_registrations([erased_id]) == 1
        db.session.commit()

    erased, kept = deliveries(app)
    assert erased.registration_id == erased_id and erased.payload == ""
    assert erased.status == DeliveryStatus.FAILED and "erased" in erased.last_error
    assert "erase.me@example.org" not in erased.payload
    assert "keep.me@example.org" in kept.payload and kept.status == DeliveryStatus.QUEUED
    with app.app_context():
        assert services.erase_payloads_for_registrations([]) == 0


def test_finished_payloads_are_erased_after_retention(app, runner, make_event, receiver, clock):
    organiser = make_organiser(app, "olga@cluster.example")
    allow_private(app)
    make_webhook(app, organiser, receiver.url)
    event = make_event(owner_id=organiser)
    register(app, event.id)
    runner.invoke(args=["webhooks", "deliver"])
    receiver.behaviour = Behaviour(status=500)
    register(app, event.id)  # still retrying: kept however old
    runner.invoke(args=["webhooks", "deliver"])

    clock.shift(timedelta(days=29))
    assert "Erased 0 payload(s)." in runner.invoke(args=["webhooks", "purge"]).output
    clock.shift(timedelta(days=2))
    assert "Erased 1 payload(s)." in runner.invoke(args=["webhooks", "purge"]).output

    delivered, retrying = deliveries(app)
    assert delivered.status == DeliveryStatus.DELIVERED and delivered.payload == ""
    assert retrying.status == DeliveryStatus.RETRYING and retrying.payload != ""
