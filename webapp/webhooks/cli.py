"""`flask webhooks ...`: deliver what is due (for cron), and erase old payloads."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.extensions import db
from webapp.webhooks import delivery, services

webhooks_cli = AppGroup("webhooks", help="Deliver webhooks and erase old payloads.")


@webhooks_cli.command("deliver")
@click.option("--batches", default=50, show_default=True, help="At most this many batches.")
def deliver_command(batches: int) -> None:
    """Send every delivery that is due, once (for cron)."""
    total = delivery.Report()
    for _ in range(batches):
        report = delivery.deliver_due()
        total.delivered += report.delivered
        total.retried += report.retried
        total.failed += report.failed
        if report.delivered + report.retried + report.failed < delivery.BATCH_SIZE:
            break
    click.echo(f"Delivered {total.delivered}, to retry {total.retried}, failed {total.failed}.")


@webhooks_cli.command("purge")
def purge_command() -> None:
    """Erase payloads of deliveries finished longer ago than OUTBOX_BODY_RETENTION_DAYS."""
    erased = services.purge_delivered_payloads()
    db.session.commit()
    click.echo(f"Erased {erased} payload(s).")
