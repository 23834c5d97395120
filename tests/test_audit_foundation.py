"""The audit log's floor and the site settings: entries commit with their action, are never
changed through the app, and settings record which keys changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.organiser_support import make_organiser
from webapp import audit, site_settings
from webapp.audit import AuditEntry, ImmutableAuditEntry
from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.organiser.models import Organiser


def entries(app) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_an_entry_commits_with_its_action_and_keeps_only_ids(app):
    organiser_id = make_organiser(app, "ana@example.org")
    with app.app_context():
        audit.record(
            "event.edited",
            actor=db.session.get(Organiser, organiser_id),
            object_type="event",
            object_id=7,
            event_id=7,
            details={"fields": ["title", "starts_at"]},
        )
        db.session.commit()
    (entry,) = entries(app)
    assert (entry.action, entry.actor_id, entry.object_type, entry.object_id, entry.event_id) == (
        "event.edited",
        organiser_id,
        "event",
        7,
        7,
    )
    assert entry.details_dict == {"fields": ["title", "starts_at"]}
    assert entry.occurred_at.tzinfo is not None


def test_an_entry_rolled_back_with_its_action_is_gone(app):
    with app.app_context():
        audit.record("event.cancelled", object_type="event", object_id=1)
        db.session.rollback()
    assert entries(app) == []


@pytest.mark.parametrize("change", ["update", "delete"])
def test_entries_cannot_be_changed_through_the_app(app, change):
    with app.app_context():
        audit.record("auth.signed_in", object_type="organiser", object_id=1)
        db.session.commit()
        begin_write(db.session)
        entry = db.session.scalars(sa.select(AuditEntry)).one()
        if change == "update":
            entry.action = "auth.signed_out"
        else:
            db.session.delete(entry)
        with pytest.raises(ImmutableAuditEntry):
            db.session.flush()
        db.session.rollback()
    assert [e.action for e in entries(app)] == ["auth.signed_in"]


def test_retention_removes_only_entries_older_than_the_cutoff(app):
    now = now_utc()
    with app.app_context():
        audit.record("old", now=now - timedelta(days=400))
        audit.record("recent", now=now - timedelta(days=10))
        db.session.commit()
        assert audit.purge_older_than(now - timedelta(days=365)) == 1
        db.session.commit()
    assert [e.action for e in entries(app)] == ["recent"]


def test_settings_store_values_and_audit_the_changed_keys(app):
    admin_id = make_organiser(app, "admin@example.org", admin=True)
    with app.app_context():
        admin = db.session.get(Organiser, admin_id)
        assert site_settings.get("privacy.controller", "unset") == "unset"
        assert site_settings.save({"privacy.controller": "Region Skåne", "n": 3}, admin) == [
            "privacy.controller",
            "n",
        ]
        db.session.commit()
        assert site_settings.get("privacy.controller") == "Region Skåne"
        assert site_settings.save({"privacy.controller": "Region Skåne", "n": 4}, admin) == ["n"]
        assert site_settings.save({}, admin) == []
        db.session.commit()
    logged = entries(app)
    assert [(e.action, e.actor_id, e.details_dict) for e in logged] == [
        ("settings.changed", admin_id, {"keys": ["n", "privacy.controller"]}),
        ("settings.changed", admin_id, {"keys": ["n"]}),
    ]
