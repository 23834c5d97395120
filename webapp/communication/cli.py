"""`flask communication ...`: the organisers' daily digest, for cron."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.communication.digest import digest_day, run_digests
from webapp.mail.cli import parse_now

communication_cli = AppGroup("communication", help="Organisers' notifications.")


@communication_cli.command("digest")
@click.option("--now", callback=parse_now, help="Pretend it is this instant (ISO 8601).")
def digest_command(now) -> None:
    """Queue yesterday's (UTC) digest for each organiser who chose one (once per day)."""
    queued = run_digests(now=now)
    click.echo(f"Queued {queued} digest(s) for {digest_day(now).isoformat()} (UTC).")
