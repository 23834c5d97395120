"""`flask privacy ...` commands: the retention purge (for cron and the mail worker)."""

from __future__ import annotations

from datetime import date, datetime

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from webapp import timezones
from webapp.db import now_utc
from webapp.extensions import db
from webapp.privacy import retention

privacy_cli = AppGroup("privacy", help="Personal data: retention.")


def summary_line(report: retention.PurgeReport, *, dry_run: bool = False) -> str:
    """One line a log or cron mail can keep."""
    verb = "Would erase" if dry_run else "Erased"
    registrations = sum(item.registrations for item in report.events)
    return (
        f"{verb} personal data of {len(report.events)} event(s) ({registrations} "
        f"registration(s)), {report.messages} outbox message(s) and "
        f"{report.webhook_payloads} webhook payload(s) past retention, "
        f"{report.imports} stale import(s), {report.audit_entries} audit entr(y/ies)."
    )


@privacy_cli.command("purge")
@timezones.now_option
@click.option("--dry-run", is_flag=True, help="List what would be erased; change nothing.")
def purge_command(now: datetime | None, dry_run: bool) -> None:
    """Erase personal data past its retention period (safe to run twice at once)."""
    try:
        report = retention.run(now=now, dry_run=dry_run)
    except sa.exc.OperationalError as exc:
        db.session.rollback()
        raise click.ClickException(f"Database busy or unreachable: {exc.orig}") from None
    for item in report.events:
        click.echo(
            f"Event {item.event_id} “{item.title}”, ended {timezones.iso_utc(item.ends_at)}: "
            f"{item.registrations} registration(s), {item.messages} message(s)"
        )
    click.echo(summary_line(report, dry_run=dry_run))
    if report.failures:
        raise click.ClickException(
            "Not purged this time (lock or database unavailable; the next run retries): "
            + ", ".join(report.failures)
        )


class DailyPurge:
    """For a long-running worker: run the purge at its first pass of each UTC day."""

    def __init__(self) -> None:
        self.done_for: date | None = None

    def run_if_due(self, *, now: datetime | None = None) -> retention.PurgeReport | None:
        """Purge unless already done today (UTC); the report, or None if not run."""
        now = now or now_utc()
        if now.date() == self.done_for:
            return None
        self.done_for = now.date()  # one attempt a day, whatever happens: cron-like
        report = retention.run(now=now)
        if report.events or report.messages or report.imports or report.audit_entries:
            current_app.logger.info("Retention: %s", summary_line(report))
        return report
