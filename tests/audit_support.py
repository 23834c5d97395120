"""Helpers shared by the audit log tests: the entries as plain tuples."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.audit import AuditEntry
from webapp.extensions import db

SIGN_IN_PREFIX = "auth."


def logged(app, prefix: str = "") -> list[tuple]:
    """(action, actor id, object type, object id, event id, details) of the entries whose
    action starts with `prefix`, oldest first; without a prefix, all but the sign-in
    entries (every signed-in test makes one: tests/test_audit_sign_in.py checks them)."""
    with app.app_context():
        stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
        if prefix:
            stmt = stmt.where(AuditEntry.action.startswith(prefix))
        else:
            stmt = stmt.where(sa.not_(AuditEntry.action.startswith(SIGN_IN_PREFIX)))
        return [
            (e.action, e.actor_id, e.object_type, e.object_id, e.event_id, e.details_dict)
            for e in db.session.scalars(stmt)
        ]


def actions(app, prefix: str = "") -> list[str]:
    """The actions logged so far, oldest first."""
    return [entry[0] for entry in logged(app, prefix)]


def all_text(app) -> str:
    """Every entry's columns as one text, to search for what must never be there."""
    with app.app_context():
        rows = db.session.execute(sa.select(AuditEntry.__table__)).all()
        return "\n".join(" ".join(str(value) for value in row) for row in rows)
