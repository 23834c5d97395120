"""`flask communication ...`: the organisers' daily digest and the follow-up emails, for
cron (the mail worker also runs both)."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from webapp import timezones
from webapp.communication.digest import digest_day, run_digests
from webapp.communication.follow_up import run_follow_ups
from webapp.mail import delivery
from webapp.mail.cli import echo_report

communication_cli = AppGroup("communication", help="Messages around events.")


@communication_cli.command("digest")
@timezones.now_option
def digest_command(now) -> None:
    """Queue yesterday's (UTC) digest for each organiser who chose one (once per day)."""
    queued = run_digests(now=now)
    click.echo(f"Queued {queued} digest(s) for {digest_day(now).isoformat()} (UTC).")


@communication_cli.command("follow-ups")
@timezones.now_option
@click.option("--queue-only", is_flag=True, help="Queue the emails, leave sending to a worker.")
def follow_ups_command(now: datetime | None, queue_only: bool) -> None:
    """Queue the follow-up emails that are due (each once per registration), then deliver."""
    queued = run_follow_ups(now=now)
    click.echo(f"Queued {queued} follow-up email(s).")
    if not queue_only:
        echo_report(delivery.send_pending())
