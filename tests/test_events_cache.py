"""The cached listing and event pages: reused while valid, never stale, never personal.

Each test renders a page (filling the caches), changes the data the way the app or another
process would (a separate session commit), and checks that the next response shows the
change, through both layers that answer repeated requests (tests/cache_support.py). Reuse
itself is shown by a repeated request that runs no SQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import request, request_started
from flask_wtf.csrf import generate_csrf

from tests.cache_support import LAYERS, answered_without_sql, recorded_statements, visitor
from tests.conftest import TEST_CONFIG
from tests.organiser_support import make_organiser, sign_in
from tests.registration_support import register
from webapp import caching, create_app
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db


def _update(app, event_id: int, **values) -> None:
    with app.app_context():
        begin_write(db.session)
        event = db.session.get(Event, event_id)
        for name, value in values.items():
            setattr(event, name, value)
        db.session.commit()


@pytest.fixture(params=LAYERS)
def layer(request) -> str:
    return request.param


@pytest.fixture
def guest(app, layer):
    """A visitor whose repeated requests are answered by the layer under test."""
    return visitor(app, layer)


def test_repeated_listing_and_event_page_run_no_queries(app, guest, make_event):
    event = make_event(title="Cluster summit")
    for path in ("/", f"/events/{event.slug}"):
        first = guest.get(path)
        again = guest.get(path)
        assert again.status_code == 200
        assert again.text == first.text
        assert answered_without_sql(app, lambda path=path: guest.get(path))


def test_listing_shows_an_edited_title_at_once(guest, make_event):
    event = make_event(title="Old title")
    assert "Old title" in guest.get("/").text
    _update(guest.application, event.id, title="New title")
    html = guest.get("/").text
    assert "New title" in html
    assert "Old title" not in html


def test_an_edit_made_by_another_app_instance_shows_at_once(app, layer, make_event, tmp_path):
    """Two app objects on one database stand for two processes or two hosts."""
    other = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "INSTANCE_PATH": str(tmp_path / "other-instance"),
        }
    )
    try:
        event = make_event(title="Shared title")
        guests = [visitor(app, layer), visitor(other, layer)]
        paths = ("/", f"/events/{event.slug}", f"/events/{event.slug}.ics")
        for guest in guests:
            for path in paths:
                guest.get(path)
                assert b"Shared title" in guest.get(path).data  # now from the caches
        _update(other, event.id, title="Edited elsewhere")
        for guest in guests:
            for path in paths:
                body = guest.get(path).data
                assert b"Edited elsewhere" in body
                assert b"Shared title" not in body
    finally:
        with other.app_context():
            db.engine.dispose()


def test_listing_shows_new_events_and_drops_unpublished_and_deleted_ones(guest, make_event):
    kept = make_event(title="Kept event")
    unpublished = make_event(title="Soon a draft")
    assert "Soon a draft" in guest.get("/").text
    added = make_event(title="Brand new event")
    assert "Brand new event" in guest.get("/").text
    _update(guest.application, unpublished.id, status=EventStatus.DRAFT)
    assert "Soon a draft" not in guest.get("/").text
    with guest.application.app_context():
        begin_write(db.session)
        db.session.execute(sa.delete(Event).where(Event.id == added.id))
        db.session.commit()
    html = guest.get("/").text
    assert "Brand new event" not in html
    assert kept.title in html


def test_event_page_seats_left_follow_registrations(guest, make_event):
    event = make_event(capacity=2)
    assert "2 of 2" in guest.get(f"/events/{event.slug}").text
    register(guest.application, event.id)
    assert "1 of 2" in guest.get(f"/events/{event.slug}").text
    register(guest.application, event.id)
    html = guest.get(f"/events/{event.slug}").text
    assert "0 of 2" in html
    assert "waiting list" in html


def test_event_page_shows_a_cancellation_at_once(guest, make_event):
    event = make_event()
    assert "This event has been cancelled" not in guest.get(f"/events/{event.slug}").text
    _update(guest.application, event.id, status=EventStatus.CANCELLED)
    assert "This event has been cancelled" in guest.get(f"/events/{event.slug}").text


def test_unpublished_event_page_is_gone_at_once(guest, make_event):
    event = make_event()
    assert guest.get(f"/events/{event.slug}").status_code == 200
    _update(guest.application, event.id, status=EventStatus.DRAFT)
    assert guest.get(f"/events/{event.slug}").status_code == 404


def test_missing_event_page_is_not_kept(guest, make_event):
    assert guest.get("/events/later-event").status_code == 404
    make_event(slug="later-event", title="Published later")
    response = guest.get("/events/later-event")
    assert response.status_code == 200
    assert "Published later" in response.text


def test_pages_change_when_time_passes_a_boundary(guest, make_event, clock):
    soon = make_event(title="Ends soon")
    later = make_event(title="Later event", start_local=soon.start_local + timedelta(days=3))
    assert "Ends soon" in guest.get("/").text
    assert "Registration is open" in guest.get(f"/events/{soon.slug}").text
    # Move the clock past the first event's end, with no change in the database.
    clock.move_to(soon.ends_at + timedelta(minutes=1))
    html = guest.get("/").text
    assert "Ends soon" not in html
    assert later.title in html
    assert "Ends soon" in guest.get("/events/past").text


def test_registration_window_closing_changes_the_event_page(guest, make_event, clock):
    closes = now_utc() + timedelta(days=1)
    event = make_event(registration_closes_at=closes)
    assert "Registration is open" in guest.get(f"/events/{event.slug}").text
    clock.move_to(closes + timedelta(seconds=1))
    assert "Registration is closed" in guest.get(f"/events/{event.slug}").text


def test_filters_and_pages_are_cached_separately(guest, make_event):
    make_event(title="Summit of regions", kind="summit")
    make_event(title="Webinar on clusters", kind="webinar")
    assert "Webinar on clusters" in guest.get("/").text
    only_summits = guest.get("/?kind=summit").text
    assert "Summit of regions" in only_summits
    assert "Webinar on clusters" not in only_summits
    assert "Webinar on clusters" in guest.get("/?q=clusters").text


def test_pages_under_a_language_prefix_are_kept_apart(app, guest):
    """Keys start with the full path, language prefix included: /da/... and /... never
    share an entry (the prefix is the application's SCRIPT_NAME, webapp/i18n.py)."""

    def where():
        return caching.cached_page(lambda: (f"page at {request.script_root}{request.path}", None))

    app.add_url_rule("/_where", "where", where)
    for _ in range(2):
        assert guest.get("/da/_where").text == "page at /da/_where"
        assert guest.get("/_where").text == "page at /_where"


def test_cached_pages_say_they_vary_by_cookie(guest, make_event):
    event = make_event()
    for path in ("/", f"/events/{event.slug}", "/", f"/events/{event.slug}"):
        assert "Cookie" in guest.get(path).headers["Vary"]


def test_visitor_with_a_flash_message_sees_it(client, make_event):
    make_event(title="Flash test event")
    client.get("/")  # kept for visitors without session data
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Your registration has been cancelled.")]
    assert "Your registration has been cancelled." in client.get("/").text
    # Shown once, then the shared page again.
    assert "Your registration has been cancelled." not in client.get("/").text


def test_signed_in_organiser_gets_pages_rendered_and_none_are_kept(app, make_event):
    make_event(title="Organiser view")
    make_organiser(app, "organiser@example.org")
    organiser = app.test_client()
    assert sign_in(organiser, "organiser@example.org").status_code == 302
    for _ in range(2):
        with recorded_statements(app) as statements:
            assert "Organiser view" in organiser.get("/").text
        assert statements, "rendered for the signed-in organiser, not taken from the cache"
    with recorded_statements(app) as statements:
        assert "Organiser view" in app.test_client().get("/").text
    assert statements, "nothing rendered for the organiser was kept for others"


def test_a_page_that_puts_a_csrf_token_in_the_session_is_never_shared(app):
    app.add_url_rule(
        "/_form", "form", lambda: caching.cached_page(lambda: (f"token {generate_csrf()}", None))
    )
    pages = {app.test_client().get("/_form").text for _ in range(3)}
    assert len(pages) == 3, "each visitor gets a token of their own"


@pytest.mark.parametrize("path", ["/", "/events/past"])
def test_disabled_cache_queries_every_time(app, make_event, path):
    app.config["PAGE_CACHE"] = False
    client = app.test_client()
    make_event()
    client.get(path)
    with recorded_statements(app) as statements:
        client.get(path)
    assert statements


def test_event_ics_follows_an_edit_at_once(guest, make_event):
    event = make_event(title="Old calendar title")
    assert b"Old calendar title" in guest.get(f"/events/{event.slug}.ics").data
    _update(guest.application, event.id, title="New calendar title")
    body = guest.get(f"/events/{event.slug}.ics").data
    assert b"New calendar title" in body
    assert b"Old calendar title" not in body


def test_feed_validator_is_reused_and_moves_on_an_edit(app, guest, make_event):
    event = make_event(title="Feed event")
    etag = guest.get("/calendar.ics").headers["ETag"]
    repeat = guest.get("/calendar.ics", headers={"If-None-Match": etag})
    assert repeat.status_code == 304
    assert answered_without_sql(
        app, lambda: guest.get("/calendar.ics", headers={"If-None-Match": etag})
    )
    _update(app, event.id, title="Renamed feed event")
    changed = guest.get("/calendar.ics", headers={"If-None-Match": etag})
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
        for header in ("Content-Type", "Content-Security-Policy", "X-Frame-Options", "Vary"):
            assert again.headers[header] == first.headers[header]
        assert "Set-Cookie" not in again.headers
        head = client.head(path)
        assert head.status_code == 200
        assert head.data == b""


@pytest.fixture
def started(app):
    """The paths of the requests that reached the Flask application."""
    paths: list[str] = []

    def record(sender, **extra):
        paths.append(request.path)

    with request_started.connected_to(record, app):
        yield paths


def test_only_requests_without_cookies_are_replayed_before_the_app(app, make_event, started):
    event = make_event(title="Cookie test event")
    client = app.test_client()
    path = f"/events/{event.slug}"
    client.get(path)  # rendered by the app, then kept whole
    replayed = client.get(path)
    assert len(started) == 1
    client.set_cookie("tracking", "1")
    with_cookie = client.get(path)
    assert len(started) == 2  # the app ran for the request with a cookie
    assert replayed.data == with_cookie.data


def test_requests_with_a_body_or_a_nul_byte_always_reach_the_app(app, make_event, started):
    make_event(title="Checked event")
    client = app.test_client()
    client.get("/?q=checked")
    client.get("/?q=checked")
    assert started == ["/"]  # the second was replayed
    with_body = client.get("/?q=checked", data="x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert len(started) == 2
    assert with_body.status_code == 200  # as without the replay: a GET's body is not read
    refused = client.get("/?q=checked%00")
    assert refused.status_code == 400
    assert "NUL" in refused.text


def test_feed_and_event_ics_are_replayed_with_their_validators(app, make_event, started):
    event = make_event(title="Replayed calendar event")
    client = app.test_client()
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


def test_a_replayed_304_is_the_one_the_app_gives(app, make_event):
    event = make_event()
    for path in ("/calendar.ics", f"/events/{event.slug}.ics"):
        answers = []
        for layer in LAYERS:
            guest = visitor(app, layer)
            etag = guest.get(path).headers["ETag"]
            guest.get(path)
            answers.append(guest.get(path, headers={"If-None-Match": etag}))
        replayed, from_app = answers
        assert replayed.status_code == from_app.status_code == 304
        assert sorted(replayed.headers.items()) == sorted(from_app.headers.items())


def test_a_response_marked_private_is_never_replayed(app, started):
    def private():
        response = caching.cached_page(lambda: ("for one visitor", None))
        response.headers["Cache-Control"] = "private"
        return response

    app.add_url_rule("/_private", "private", private)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/_private").text == "for one visitor"
    assert started == ["/_private"] * 3


@pytest.mark.parametrize("app_config", [{**TEST_CONFIG, "RESPONSE_REPLAY": False}])
def test_without_the_replay_requests_reach_the_app_and_its_page_cache(app, make_event, started):
    make_event(title="Not replayed")
    client = app.test_client()
    assert "Not replayed" in client.get("/").text
    assert answered_without_sql(app, lambda: client.get("/"))
    assert len(started) >= 2 and set(started) == {"/"}
