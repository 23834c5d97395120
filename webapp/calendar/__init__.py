"""Calendar files: builders (ics.py), stored feed entries (entries.py), routes (views.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Keep the stored calendar entries current in every transaction that changes an event."""
    from webapp.calendar import entries
    from webapp.extensions import db

    entries.install(db.session)
