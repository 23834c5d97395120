"""`flask calendar ...` commands: store the calendar entries of existing events."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from webapp.calendar import entries
from webapp.extensions import db

calendar_cli = AppGroup("calendar", help="Calendar files and feeds.")


@calendar_cli.command("refresh")
@click.option(
    "--all",
    "rebuild",
    is_flag=True,
    help="Rebuild current entries too (after a fix in plain SQL that left updated_at).",
)
def refresh_command(rebuild: bool) -> None:
    """Store every event's current public calendar entry (after a deploy or a base URL change)."""
    base_url = current_app.config["CONVENE_BASE_URL"]
    written = entries.refresh_all(db.session, base_url, rebuild=rebuild)
    db.session.commit()
    click.echo(f"Stored {written} calendar entr{'y' if written == 1 else 'ies'}.")
