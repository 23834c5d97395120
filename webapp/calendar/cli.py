"""`flask calendar ...` commands: store the calendar entries of existing events."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from webapp.calendar import entries
from webapp.extensions import db

calendar_cli = AppGroup("calendar", help="Calendar files and feeds.")


@calendar_cli.command("refresh")
def refresh_command() -> None:
    """Store every event's current public calendar entry (after a deploy or a base URL change)."""
    written = entries.refresh_all(db.session, current_app.config["CONVENE_BASE_URL"])
    db.session.commit()
    click.echo(f"Stored {written} calendar entr{'y' if written == 1 else 'ies'}.")
