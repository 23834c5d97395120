"""`flask registrations ...` commands: release unconfirmed holds (for cron or the worker)."""

from __future__ import annotations

from datetime import datetime

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from webapp import timezones
from webapp.extensions import db
from webapp.registration import holds

registrations_cli = AppGroup("registrations", help="Jobs on registrations.")


def run_hold_expiry(now: datetime | None = None) -> int:
    """Release the passed holds and commit; returns how many were released.

    Another run committing first only means fewer holds are left: the rows are re-read
    under each event's lock, so nothing is released twice.
    """
    try:
        released = holds.expire_holds(now=now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return released


@registrations_cli.command("expire-holds")
@timezones.now_option
def expire_holds_command(now: datetime | None) -> None:
    """Release places held for unconfirmed email addresses, promoting the next in line."""
    try:
        released = run_hold_expiry(now)
    except sa.exc.OperationalError as exc:
        raise click.ClickException(f"Database busy or unreachable: {exc.orig}") from None
    click.echo(f"Released {released} hold(s).")
