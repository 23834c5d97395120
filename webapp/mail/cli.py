"""`flask mail ...` commands: deliver the outbox, run a worker, inspect, send reminders."""

from __future__ import annotations

import signal
import threading
from datetime import datetime

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from webapp import timezones
from webapp.communication.digest import DailyRun
from webapp.communication.follow_up import run_follow_ups
from webapp.extensions import db
from webapp.mail import delivery, reminders, status
from webapp.privacy.cli import DailyPurge
from webapp.registration.cli import run_hold_expiry
from webapp.webhooks import worker as webhook_worker

mail_cli = AppGroup("mail", help="Deliver and inspect outgoing email.")


def echo_report(report: delivery.DeliveryReport) -> None:
    click.echo(f"Sent {report.sent}, to retry {report.retried}, failed {report.failed}.")
    if report.files:
        folder = report.files[0].parent
        click.echo(f"No MAIL_SERVER set: wrote {len(report.files)} .eml file(s) to {folder}")


@mail_cli.command("send-pending")
def send_pending_command() -> None:
    """Deliver every message that is due, once (for cron)."""
    echo_report(delivery.send_pending())


@mail_cli.command("worker")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def worker_command(interval: float) -> None:
    """Release passed email-confirmation holds, queue due follow-up emails, purge personal
    data past retention once a day and deliver,
    continuously until SIGTERM or Ctrl-C (for production)."""
    stopping = threading.Event()

    def stop(signum, _frame):
        # Finish the message in hand and record it, rather than leave it claimed.
        stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"Mail worker started; polling every {interval:g}s.")
    digests, purge = DailyRun(), DailyPurge()
    # Webhooks in a thread of their own: a slow receiver never holds mail back.
    webhooks = webhook_worker.start_beside(current_app._get_current_object(), stopping, interval)
    try:
        while not stopping.is_set():
            _run_periodic_jobs(digests, purge)
            try:
                report = delivery.send_pending(stop=stopping)
            except sa.exc.OperationalError as exc:  # database away: try again next round
                db.session.rollback()
                current_app.logger.warning("Mail worker: %s", exc.orig)
            else:
                if report.sent or report.retried or report.failed:
                    echo_report(report)
            stopping.wait(interval)
    finally:
        stopping.set()
        webhooks.join(timeout=float(current_app.config["WEBHOOK_TIMEOUT"]) + 5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        db.session.remove()
    click.echo("Mail worker stopped.")


def _run_periodic_jobs(digests: DailyRun, purge: DailyPurge | None = None) -> None:
    """The jobs the worker runs before each delivery pass (their emails go out in it).
    A job that fails is logged and tried again next round; it never stops delivery."""
    for name, job in (
        ("releasing passed holds", run_hold_expiry),
        ("daily digests", digests.run_if_due),
        ("follow-up emails", run_follow_ups),
        ("retention purge", purge.run_if_due if purge else None),
    ):
        if job is None:
            continue
        try:
            job()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("Mail worker: %s failed", name)


@mail_cli.command("status")
@click.option("--failures", default=10, show_default=True, help="Recent failures to list.")
def status_command(failures: int) -> None:
    """Count messages per status and list recent failures."""
    for state, number in status.counts().items():
        click.echo(f"{state.value:8} {number}")
    failed = status.recent_failures(limit=failures)
    if failed:
        click.echo("\nRecent failures:")
    for message in failed:
        click.echo(
            f"#{message.id} {message.kind} to {message.recipient} "
            f"after {message.attempts} attempt(s): {message.last_error}"
        )


@mail_cli.command("send-reminders")
@timezones.now_option
@click.option("--queue-only", is_flag=True, help="Queue the reminders, leave sending to a worker.")
def send_reminders_command(now: datetime | None, queue_only: bool) -> None:
    """Queue the reminders that are due (each once per registration), then deliver them."""
    try:
        queued = reminders.queue_due_reminders(now=now)
        db.session.commit()
    except sa.exc.IntegrityError:
        # Another run queued some of the same reminders first; the rest are still due.
        db.session.rollback()
        queued = reminders.queue_due_reminders(now=now)
        db.session.commit()
    click.echo(f"Queued {queued} reminder(s).")
    if not queue_only:
        echo_report(delivery.send_pending())
