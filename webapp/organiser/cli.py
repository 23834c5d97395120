"""`flask organiser ...` commands."""

from flask.cli import AppGroup

organiser_cli = AppGroup("organiser", help="Manage organiser accounts.")
