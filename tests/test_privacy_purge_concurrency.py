"""The retention purge at the same time as another purge, and during a registration rush."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tests.conftest import BACKEND
from tests.organiser_support import add_registrations
from tests.privacy_support import database_text
from tests.registration_support import form_data, registrations
from tests.test_db_faults import event_locked
from webapp.audit import AuditEntry
from webapp.events.models import Event
from webapp.extensions import db
from webapp.privacy import retention
from webapp.registration.models import Registration

PEOPLE_PER_EVENT = 30


def _old_events(app, make_event, count: int) -> tuple[list[int], object]:
    """`count` events a month past their one-month retention, with people registered;
    returns their ids and an instant at which all are due."""
    ids = []
    for number in range(count):
        event = make_event(retention_months=1, title=f"Old event {number}")
        people = [
            {"email": f"old{number}.{index}@example.org", "last_name": f"Oldname{number}x{index}"}
            for index in range(PEOPLE_PER_EVENT)
        ]
        add_registrations(app, event.id, people)
        ids.append(event.id)
        due = retention.add_months(event.ends_at, 2)
    return ids, due


def _purge_in_own_session(app, now, start: threading.Barrier) -> list[int]:
    # Each thread has its own application context, hence its own session and connection.
    with app.app_context():
        start.wait()
        report = retention.run(now=now)
        return [item.event_id for item in report.events]


def _purge_entries(app) -> list[int]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                sa.select(AuditEntry.object_id).where(AuditEntry.action == "privacy.purged")
            )
        )


def test_two_purges_at_once_purge_each_event_once(app, make_event):
    event_ids, now = _old_events(app, make_event, 4)
    start = threading.Barrier(2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_purge_in_own_session, app, now, start) for _ in range(2)]
        purged = [future.result(timeout=120) for future in futures]  # re-raises any error

    assert sorted(purged[0] + purged[1]) == event_ids  # each once, by one of them
    assert _purge_entries(app) == event_ids
    text = database_text(app)
    assert "Oldname" not in text and "@example.org" not in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


# Within the connection pool (5 + 10 overflow): a thread waiting for a connection rather
# than for the write lock would measure the pool, not the purge.
RUSH, SEATS = 14, 6


def _letters(number: int) -> str:
    """A name-safe tag for a number: 0 -> 'a', 27 -> 'bb'."""
    return chr(ord("a") + number % 26) * (number // 26 + 1)


def _register_over_http(app, slug: str, index: int, start: threading.Barrier) -> int:
    client = app.test_client()
    data = form_data(email=f"rush{index}@example.org", last_name=f"Rusher-{_letters(index)}")
    start.wait()
    return client.post(f"/events/{slug}/register", data=data).status_code


def test_purge_during_a_registration_rush(app, make_event):
    old_ids, now = _old_events(app, make_event, 2)
    upcoming = make_event(capacity=SEATS)  # a week ahead of the real clock
    start = threading.Barrier(RUSH + 1)
    with ThreadPoolExecutor(max_workers=RUSH + 1) as pool:
        purge = pool.submit(_purge_in_own_session, app, now, start)
        rush = [
            pool.submit(_register_over_http, app, upcoming.slug, index, start)
            for index in range(RUSH)
        ]
        statuses = [future.result(timeout=180) for future in rush]
        purged = purge.result(timeout=180)

    assert statuses == [303] * RUSH  # no 5xx, nobody turned away
    stored = registrations(app, upcoming.id)
    assert len(stored) == RUSH
    assert [status for _, status in stored].count("confirmed") == SEATS
    assert purged == old_ids and _purge_entries(app) == old_ids
    text = database_text(app)
    assert "Oldname" not in text and "Rusher-h" in text
    with app.app_context():
        for event_id in old_ids:
            assert db.session.get(Event, event_id).personal_data_purged_at == now
        assert db.session.get(Event, upcoming.id).personal_data_purged_at is None


@pytest.fixture
def short_lock_wait(app_config) -> None:
    app_config["DATABASE_LOCK_TIMEOUT"] = 0.3


def test_an_event_whose_lock_is_held_waits_for_the_next_run_and_the_rest_go_on(
    short_lock_wait, app, make_event
):
    (held, other), now = _old_events(app, make_event, 2)
    with event_locked(app, held), app.app_context():
        report = retention.run(now=now)
    assert f"event {held}" in report.failures  # logged, not raised
    if BACKEND == "postgres":  # row locks: only that event waits
        assert [item.event_id for item in report.events] == [other]
    with app.app_context():
        assert db.session.get(Event, held).personal_data_purged_at is None
        report = retention.run(now=now)
        assert report.failures == []
        assert db.session.get(Event, held).personal_data_purged_at == now
    assert "Oldname" not in database_text(app)
