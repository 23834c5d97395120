"""Webhook deliveries beside the mail worker, in a thread of their own.

A receiver may take up to WEBHOOK_TIMEOUT seconds per delivery; in the mail worker's own
loop a batch of slow receivers would hold confirmations back for minutes. In a separate
thread (with its own application context, hence its own database session) mail never
waits for a webhook, and the thread stops with the worker. It also erases payloads past their retention, hourly.
"""

from __future__ import annotations

import threading
import time

from flask import Flask

from webapp.extensions import db
from webapp.webhooks import delivery, services

# Seconds between erasures of payloads past their retention.
PURGE_EVERY = 3600


def start_beside(app: Flask, stopping: threading.Event, interval: float) -> threading.Thread:
    """Start delivering webhooks every `interval` seconds until `stopping` is set."""
    thread = threading.Thread(
        target=_loop, args=(app, stopping, interval), name="webhook-deliveries", daemon=True
    )
    thread.start()
    return thread


def _loop(app: Flask, stopping: threading.Event, interval: float) -> None:
    with app.app_context():
        purged = 0.0
        try:
            while not stopping.is_set():
                full = False
                try:
                    if time.monotonic() - purged > PURGE_EVERY:
                        services.purge_delivered_payloads()
                        db.session.commit()
                        purged = time.monotonic()
                    report = delivery.deliver_due()
                    full = report.delivered + report.retried + report.failed >= delivery.BATCH_SIZE
                except Exception:
                    db.session.rollback()
                    app.logger.exception("Webhook deliveries failed; trying again next round")
                if not full:  # a full batch suggests more are due: go on at once
                    stopping.wait(interval)
        finally:
            db.session.remove()
