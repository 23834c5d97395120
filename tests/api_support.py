"""Helpers shared by the API tests: tokens made through the service, bearer headers."""

from __future__ import annotations

from webapp.api import tokens
from webapp.db import begin_write
from webapp.extensions import db
from webapp.organiser.models import Organiser


def make_token(app, organiser_id: int, *, event_id: int | None = None, name: str = "CRM") -> str:
    """Create an API token for the organiser (all events, or one); returns its plain text."""
    with app.app_context():
        begin_write(db.session)
        organiser = db.session.get(Organiser, organiser_id)
        _token, plain = tokens.create_token(organiser, name, event_id)
        db.session.commit()
        return plain


def bearer(token: str) -> dict:
    """The Authorization header for `token`."""
    return {"Authorization": f"Bearer {token}"}
