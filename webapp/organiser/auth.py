"""Organiser identity for Flask-Login."""

from __future__ import annotations

from webapp.extensions import db, login_manager
from webapp.organiser.models import Organiser


@login_manager.user_loader
def load_organiser(identity: str) -> Organiser | None:
    """Resolve 'id:session_version'; a stale version (signed out elsewhere) is no one."""
    organiser_id, _, version = identity.partition(":")
    if not organiser_id.isdigit() or not version.isdigit():
        return None
    organiser = db.session.get(Organiser, int(organiser_id))
    if organiser is None or organiser.session_version != int(version):
        return None
    return organiser
