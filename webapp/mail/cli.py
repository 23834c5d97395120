"""`flask mail ...` commands."""

from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="Deliver and inspect outgoing email.")
