"""`flask registrations ...` commands: release unconfirmed holds (for cron or the worker)."""

from __future__ import annotations

from datetime import datetime

import click
import sqlalchemy as sa
from flask.cli import AppGroup

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


def _parse_now(_ctx, _param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2027-03-01T08:00:00Z") from None
    if parsed.tzinfo is None:
        raise click.BadParameter("give a UTC offset, e.g. 2027-03-01T08:00:00Z")
    return parsed


@registrations_cli.command("expire-holds")
@click.option("--now", callback=_parse_now, help="Pretend it is this instant (ISO 8601).")
def expire_holds_command(now: datetime | None) -> None:
    """Release places held for unconfirmed email addresses, promoting the next in line."""
    try:
        released = run_hold_expiry(now)
    except sa.exc.OperationalError as exc:
        raise click.ClickException(f"Database busy or unreachable: {exc.orig}") from None
    click.echo(f"Released {released} hold(s).")
