"""`flask audit ...`: the audit log's retention job."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from webapp import audit
from webapp.extensions import db

audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("purge")
def purge_command() -> None:
    """Remove entries older than AUDIT_RETENTION_DAYS (safe to run again: cron, daily)."""
    days = current_app.config["AUDIT_RETENTION_DAYS"]
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise click.ClickException(
            f"AUDIT_RETENTION_DAYS must be a whole number of days >= 1, not {days!r}."
        )
    count = audit.purge_expired(days)
    db.session.commit()
    click.echo(f"Removed {count} audit log entries older than {days} days.")
