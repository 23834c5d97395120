"""`flask communication follow-ups`: queue the follow-up emails that are due (for cron;
the mail worker also runs it on every round)."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from webapp.communication.follow_up import run_follow_ups
from webapp.mail import delivery
from webapp.mail.cli import _echo_report, _parse_now

communication_cli = AppGroup("communication", help="Messages around events.")


@communication_cli.command("follow-ups")
@click.option("--now", callback=_parse_now, help="Pretend it is this instant (ISO 8601).")
@click.option("--queue-only", is_flag=True, help="Queue the emails, leave sending to a worker.")
def follow_ups_command(now: datetime | None, queue_only: bool) -> None:
    """Queue the follow-up emails that are due (each once per registration), then deliver."""
    queued = run_follow_ups(now=now)
    click.echo(f"Queued {queued} follow-up email(s).")
    if not queue_only:
        _echo_report(delivery.send_pending())
