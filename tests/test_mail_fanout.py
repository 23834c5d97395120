"""Announcements to large audiences: queued as one row, expanded by the sender in chunks."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import local
from tests.mail_support import deliver
from tests.registration_support import register
from webapp.db import begin_write
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail import messages
from webapp.mail.fanout import expand_announcements, pending_audience
from webapp.mail.messages import MessageKind
from webapp.mail.models import Announcement, OutboxMessage
from webapp.registration.models import Registration, RegistrationStatus


@pytest.fixture
def small_inline_limit(app_config):
    app_config["MAIL_INLINE_FANOUT_LIMIT"] = 3


def _event_with_attendees(app, make_event, count=7, capacity=5):
    event = make_event(capacity=capacity)
    for index in range(count):
        register(app, event.id, f"p{index}@example.org")
    with app.app_context():
        begin_write(db.session)
        db.session.execute(
            sa.update(Registration)
            .where(Registration.email == "p0@example.org")
            .values(status=RegistrationStatus.CANCELLED)
        )
        db.session.commit()
    return event


def _change(app, event_id: int) -> int:
    with app.app_context():
        begin_write(db.session)
        event = db.session.get(Event, event_id)
        event.set_schedule(local("2027-09-01 10:00"), local("2027-09-01 12:00"), "Europe/Madrid")
        event.sequence += 1
        audience = messages.queue_for_attendees(event, MessageKind.EVENT_CHANGED)
        db.session.commit()
        return audience


def _changed_rows(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "event_changed")
        ).all()


def test_large_audience_is_one_announcement_expanded_by_the_sender(
    small_inline_limit, app, make_event, smtp_server
):
    event = _event_with_attendees(app, make_event)
    deliver(app)
    before = len(smtp_server.messages)

    assert _change(app, event.id) == 6  # five confirmed + one waitlisted, not the cancelled one
    assert _changed_rows(app) == []
    with app.app_context():
        assert pending_audience(event.id) == 6

    report = deliver(app)
    received = smtp_server.messages[before:]
    assert sorted(m.rcpt_tos[0] for m in received) == [f"p{i}@example.org" for i in range(1, 7)]
    assert report.sent == 6
    assert all("Updated:" in m.message["Subject"] for m in received)
    with app.app_context():
        assert pending_audience(event.id) == 0
        announcement = db.session.scalars(sa.select(Announcement)).one()
        assert announcement.completed_at is not None

    deliver(app)
    assert len(smtp_server.messages) == before + 6  # nothing twice


def test_expansion_resumes_where_it_stopped_and_never_duplicates(
    small_inline_limit, app, make_event
):
    event = _event_with_attendees(app, make_event)
    _change(app, event.id)
    with app.app_context():
        assert expand_announcements(chunk=4, max_chunks=1) == 4
    assert len(_changed_rows(app)) == 4
    with app.app_context():
        assert expand_announcements(chunk=4) == 2
        assert expand_announcements(chunk=4) == 0
    rows = _changed_rows(app)
    assert len(rows) == 6
    assert len({row.registration_id for row in rows}) == 6


def test_people_who_register_after_the_change_are_not_in_the_announcement(
    small_inline_limit, app, make_event
):
    event = _event_with_attendees(app, make_event)
    _change(app, event.id)
    register(app, event.id, "late@example.org")
    with app.app_context():
        expand_announcements()
    assert "late@example.org" not in {row.recipient for row in _changed_rows(app)}


def test_small_audience_is_queued_in_the_same_transaction(app, make_event):
    event = _event_with_attendees(app, make_event, count=3)
    assert _change(app, event.id) == 2
    assert len(_changed_rows(app)) == 2
    with app.app_context():
        assert db.session.scalars(sa.select(Announcement)).all() == []


def test_rolled_back_change_leaves_no_announcement(small_inline_limit, app, make_event):
    event = _event_with_attendees(app, make_event)
    with app.app_context():
        stored = db.session.get(Event, event.id)
        messages.queue_for_attendees(stored, MessageKind.EVENT_CANCELLED)
        db.session.rollback()
        assert db.session.scalars(sa.select(Announcement)).all() == []
