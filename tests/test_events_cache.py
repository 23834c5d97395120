"""The page cache of the listing and event pages: reused while valid, never stale.

Each test renders a page (filling the cache), changes the data the way the app or another
process would (a separate session commit), and checks the next response shows the change.
Reuse itself is shown by counting the SQL statements a repeated request runs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import request, request_started

from tests.registration_support import register
from webapp import caching
from webapp.db import now_utc
from webapp.events import services as event_services
from webapp.events import views as event_views
from webapp.events.models import Event, EventStatus
from webapp.extensions import db


@pytest.fixture
def statements(app):
    """A list that collects every SQL statement the app runs while the test records."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def _update(app, event_id: int, **values) -> None:
    with app.app_context():
        event = db.session.get(Event, event_id)
        for name, value in values.items():
            setattr(event, name, value)
        db.session.commit()


def _move_clock(monkeypatch, instant) -> None:
    """Let the catalogue and its cache believe it is `instant`, without touching the data."""
    for module in (caching, event_services, event_views):
        monkeypatch.setattr(module, "now_utc", lambda: instant)


def test_repeated_listing_and_event_page_run_no_queries(client, make_event, statements):
    event = make_event(title="Cluster summit")
    for path in ("/", f"/events/{event.slug}"):
        first = client.get(path)
        statements.clear()
        again = client.get(path)
        assert again.status_code == 200
        assert again.text == first.text
        assert statements == []


def test_listing_shows_an_edited_title_at_once(client, make_event):
    event = make_event(title="Old title")
    assert "Old title" in client.get("/").text
    _update(client.application, event.id, title="New title")
    html = client.get("/").text
    assert "New title" in html
    assert "Old title" not in html


def test_listing_shows_new_events_and_drops_unpublished_and_deleted_ones(client, make_event):
    kept = make_event(title="Kept event")
    unpublished = make_event(title="Soon a draft")
    assert "Soon a draft" in client.get("/").text
    added = make_event(title="Brand new event")
    assert "Brand new event" in client.get("/").text
    _update(client.application, unpublished.id, status=EventStatus.DRAFT)
    assert "Soon a draft" not in client.get("/").text
    with client.application.app_context():
        db.session.execute(sa.delete(Event).where(Event.id == added.id))
        db.session.commit()
    html = client.get("/").text
    assert "Brand new event" not in html
    assert kept.title in html


def test_event_page_seats_left_follow_registrations(client, make_event):
    event = make_event(capacity=2)
    assert "2 of 2" in client.get(f"/events/{event.slug}").text
    register(client.application, event.id)
    assert "1 of 2" in client.get(f"/events/{event.slug}").text
    register(client.application, event.id)
    html = client.get(f"/events/{event.slug}").text
    assert "0 of 2" in html
    assert "waiting list" in html


def test_event_page_shows_a_cancellation_at_once(client, make_event):
    event = make_event()
    assert "This event has been cancelled" not in client.get(f"/events/{event.slug}").text
    _update(client.application, event.id, status=EventStatus.CANCELLED)
    assert "This event has been cancelled" in client.get(f"/events/{event.slug}").text


def test_unpublished_event_page_is_gone_at_once(client, make_event):
    event = make_event()
    assert client.get(f"/events/{event.slug}").status_code == 200
    _update(client.application, event.id, status=EventStatus.DRAFT)
    assert client.get(f"/events/{event.slug}").status_code == 404


def test_pages_change_when_time_passes_a_boundary(client, make_event, monkeypatch):
    soon = make_event(title="Ends soon")
    later = make_event(title="Later event", start_local=soon.start_local + timedelta(days=3))
    assert "Ends soon" in client.get("/").text
    assert "Registration is open" in client.get(f"/events/{soon.slug}").text
    # Move the clock past the first event's end, with no change in the database.
    _move_clock(monkeypatch, soon.ends_at + timedelta(minutes=1))
    html = client.get("/").text
    assert "Ends soon" not in html
    assert later.title in html
    assert "Ends soon" in client.get("/events/past").text


def test_registration_window_closing_changes_the_event_page(client, make_event, monkeypatch):
    closes = now_utc() + timedelta(days=1)
    event = make_event(registration_closes_at=closes)
    assert "Registration is open" in client.get(f"/events/{event.slug}").text
    _move_clock(monkeypatch, closes + timedelta(seconds=1))
    assert "Registration is closed" in client.get(f"/events/{event.slug}").text


def test_visitor_with_a_flash_message_sees_it(client, make_event):
    make_event(title="Flash test event")
    client.get("/")  # cached for visitors without session data
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Your registration has been cancelled.")]
    assert "Your registration has been cancelled." in client.get("/").text
    # Shown once, then the shared page again.
    assert "Your registration has been cancelled." not in client.get("/").text


def test_filters_and_pages_are_cached_separately(client, make_event):
    make_event(title="Summit of regions", kind="summit")
    make_event(title="Webinar on clusters", kind="webinar")
    assert "Webinar on clusters" in client.get("/").text
    only_summits = client.get("/?kind=summit").text
    assert "Summit of regions" in only_summits
    assert "Webinar on clusters" not in only_summits
    assert "Webinar on clusters" in client.get("/?q=clusters").text


@pytest.mark.parametrize("path", ["/", "/events/past"])
def test_disabled_cache_queries_every_time(app, make_event, statements, path):
    app.config["PAGE_CACHE"] = False
    client = app.test_client()
    make_event()
    client.get(path)
    statements.clear()
    client.get(path)
    assert statements


def test_event_ics_follows_an_edit_at_once(client, make_event):
    event = make_event(title="Old calendar title")
    assert b"Old calendar title" in client.get(f"/events/{event.slug}.ics").data
    _update(client.application, event.id, title="New calendar title")
    body = client.get(f"/events/{event.slug}.ics").data
    assert b"New calendar title" in body
    assert b"Old calendar title" not in body


def test_feed_validator_is_reused_and_moves_on_an_edit(client, make_event, statements):
    event = make_event(title="Feed event")
    etag = client.get("/calendar.ics").headers["ETag"]
    statements.clear()
    repeat = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert repeat.status_code == 304
    assert statements == []
    _update(client.application, event.id, title="Renamed feed event")
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert b"Renamed feed event" in changed.data


def test_replayed_page_keeps_status_headers_and_body(client, make_event):
    event = make_event(title="Replayed event")
    for path in ("/", f"/events/{event.slug}"):
        first = client.get(path)
        again = client.get(path)
        assert again.status_code == 200
        assert again.data == first.data
        for header in ("Content-Type", "Content-Security-Policy", "X-Frame-Options"):
            assert again.headers[header] == first.headers[header]
        assert "Set-Cookie" not in again.headers
        head = client.head(path)
        assert head.status_code == 200
        assert head.data == b""


def test_missing_event_page_is_not_kept(client, make_event):
    assert client.get("/events/later-event").status_code == 404
    make_event(slug="later-event", title="Published later")
    response = client.get("/events/later-event")
    assert response.status_code == 200
    assert "Published later" in response.text


def test_only_requests_without_cookies_are_replayed_before_the_app(app, make_event):
    event = make_event(title="Cookie test event")
    client = app.test_client()
    started: list[str] = []

    def record(sender, **extra):
        started.append(request.path)

    path = f"/events/{event.slug}"
    with request_started.connected_to(record, app):
        client.get(path)  # rendered by the app, then kept whole
        replayed = client.get(path)
        assert len(started) == 1
        client.set_cookie("tracking", "1")
        with_cookie = client.get(path)
        assert len(started) == 2  # the app ran for the request with a cookie
    assert replayed.data == with_cookie.data


def test_feed_and_event_ics_are_replayed_with_their_validators(app, make_event):
    event = make_event(title="Replayed calendar event")
    client = app.test_client()
    started: list[str] = []

    def record(sender, **extra):
        started.append(request.path)

    with request_started.connected_to(record, app):
        for path in ("/calendar.ics", f"/events/{event.slug}.ics"):
            started.clear()
            first = client.get(path)
            etag = first.headers["ETag"]
            again = client.get(path)
            not_modified = client.get(path, headers={"If-None-Match": etag})
            other = client.get(path, headers={"If-None-Match": 'W/"something-else"'})
            assert started == [path]  # only the first request reached the app
            assert again.data == other.data == first.data
            assert not_modified.status_code == 304
            assert not_modified.data == b""
            assert not_modified.headers["ETag"] == etag
            assert not_modified.headers["Cache-Control"] == first.headers["Cache-Control"]
            assert "Content-Disposition" not in not_modified.headers
