"""`flask organiser ...` commands."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from webapp import audit
from webapp.extensions import db
from webapp.mail.addresses import NON_ASCII_LOCAL_PART, has_ascii_local_part
from webapp.organiser import two_factor
from webapp.organiser.accounts import AccountError, create_organiser, find_by_email

organiser_cli = AppGroup("organiser", help="Manage organiser accounts.")


def _read_password() -> str:
    """Ask twice on a terminal; read one line from stdin when piped (for scripts)."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@organiser_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="Name shown to other organisers.")
@click.option("--admin", is_flag=True, help="May manage every event and add organisers.")
def create_command(email: str, name: str, admin: bool) -> None:
    """Create an organiser account; the password is prompted for, or read from stdin."""
    if not has_ascii_local_part(email):
        # The account's password link could never be mailed (webapp.mail.addresses).
        raise click.ClickException(f"Cannot create {email}: {NON_ASCII_LOCAL_PART}")
    password = _read_password()
    try:
        organiser = create_organiser(email, password, name=name, is_admin=admin)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    # From the command line: nobody signed in, so the actor is the system.
    audit.record(
        "organiser.created",
        object_type="organiser",
        object_id=organiser.id,
        details={"admin": organiser.is_admin, "via": "command line"},
    )
    db.session.commit()
    role = "admin" if organiser.is_admin else "organiser"
    click.echo(f"Created {role} {organiser.email}. Sign in at /organiser/sign-in.")


@organiser_cli.command("reset-two-step")
@click.argument("email")
def reset_two_step_command(email: str) -> None:
    """Clear an organiser's two-step sign-in (a locked-out admin); they enrol again."""
    organiser = find_by_email(email)
    if organiser is None:
        raise click.ClickException(f"No organiser has the address {email}.")
    two_factor.reset_by_admin(None, organiser.id)
    db.session.commit()
    click.echo(f"Two-step sign-in of {organiser.email} is reset: they set it up at sign-in.")
