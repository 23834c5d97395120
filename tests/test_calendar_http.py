"""Calendar routes: the public event file, the feed (filters, validators, 304) and invites."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from tests.cache_support import LAYERS, visitor
from tests.calendar_support import icaljs
from tests.conftest import TEST_CONFIG
from webapp.calendar import feed
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventKind, EventStatus
from webapp.extensions import db
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus
from webapp.registration.services import manage_token
from webapp.registration.tokens import assign_token

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def wall(days: float, hour: int = 18):
    """A naive wall time `days` from now at `hour`:00."""
    moment = now_utc() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0, tzinfo=None)


def past_event(make_event, days_ago: int, **overrides):
    start = wall(-days_ago, 10)
    return make_event(start_local=start, end_local=start + timedelta(hours=2), **overrides)


@pytest.fixture
def make_registration(app):
    """Create a registration for an event; returns (registration id, manage token)."""

    def make(event, **overrides) -> tuple[int, str]:
        values = {
            "event_id": event.id,
            "status": RegistrationStatus.CONFIRMED,
            "first_name": "Ana",
            "last_name": "Ferreira",
            "email": "ana@example.org",
            "email_key": "ana@example.org",
            "attendance_mode": AttendanceMode.ONLINE,
            "consent_at": now_utc(),
            "privacy_notice_version": "2026-01",
        }
        values.update(overrides)
        with app.app_context():
            begin_write(db.session)
            registration = Registration(**values)
            assign_token(registration)
            db.session.add(registration)
            db.session.commit()
            return registration.id, manage_token(registration)

    return make


def change_event(app, event_id: int, **changes) -> None:
    """What an organiser's edit does: new values, and a higher sequence if time moved."""
    with app.app_context():
        begin_write(db.session)
        event = db.session.get(Event, event_id)
        if "start_local" in changes:
            start = changes.pop("start_local")
            event.set_schedule(start, start + timedelta(hours=2), event.timezone)
            event.sequence += 1
        for name, value in changes.items():
            setattr(event, name, value)
        db.session.commit()


@contextlib.contextmanager
def recorded_statements(app):
    """The SQL statements the application runs inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def loads_events(statements: list[str]) -> bool:
    """True if a statement loaded event rows (the feed's contents), not just aggregates."""
    return any("event.title" in s for s in statements)


def uids(response) -> list[str]:
    return [str(e["UID"]) for e in Calendar.from_ical(response.data).walk("VEVENT")]


def test_event_file_is_a_public_download(client, make_event):
    event = make_event(format=EventFormat.HYBRID, venue_name="Hall A")
    response = client.get(f"/events/{event.slug}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert response.headers["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    assert response.headers["ETag"].startswith('W/"')
    calendar = Calendar.from_ical(response.data)
    assert "METHOD" not in calendar  # not an iTIP message (see webapp.calendar.ics)
    assert uids(response) == [f"event-{event.id}@convene.test"]
    assert b"secret-room" not in response.data and b"ATTENDEE" not in response.data
    repeat = client.get(
        f"/events/{event.slug}.ics", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert repeat.status_code == 304


def test_event_file_route_leaves_the_event_page_alone(client, make_event):
    event = make_event(title="Cluster days")
    page = client.get(f"/events/{event.slug}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert f'href="https://convene.test/events/{event.slug}.ics"' in html
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in html
    assert "https://outlook.live.com/calendar/0/action/compose?" in html
    assert "https://outlook.office.com/calendar/0/action/compose?" in html
    assert "secret-room" not in html


@pytest.mark.parametrize("status", [EventStatus.DRAFT])
def test_event_file_is_404_for_drafts_and_unknown_slugs(client, make_event, status):
    draft = make_event(status=status)
    assert client.get(f"/events/{draft.slug}.ics").status_code == 404
    assert client.get("/events/no-such-event.ics").status_code == 404


def test_feed_holds_public_events_upcoming_and_of_the_past_90_days(client, make_event):
    upcoming = make_event()
    cancelled = make_event(status=EventStatus.CANCELLED)
    recent = past_event(make_event, 10)
    old = past_event(make_event, 120)
    draft = make_event(status=EventStatus.DRAFT)
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert response.headers["Content-Disposition"] == 'attachment; filename="convene-events.ics"'
    assert "max-age" in response.headers["Cache-Control"]
    got = set(uids(response))
    assert {f"event-{e.id}@convene.test" for e in (upcoming, cancelled, recent)} == got
    assert f"event-{old.id}@convene.test" not in got
    assert f"event-{draft.id}@convene.test" not in got
    calendar = Calendar.from_ical(response.data)
    assert "METHOD" not in calendar
    assert calendar["X-WR-CALNAME"] == "Convene events"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in response.data
    assert b"secret-room" not in response.data and b"ATTENDEE" not in response.data
    statuses = {str(e["UID"]): str(e["STATUS"]) for e in calendar.walk("VEVENT")}
    assert statuses[f"event-{cancelled.id}@convene.test"] == "CANCELLED"
    (parsed,) = icaljs(response.data)
    assert len(parsed["events"]) == 3 and parsed["timezones"] == ["Europe/Brussels"]


def test_feed_filtered_by_kind(client, make_event):
    webinar = make_event(kind=EventKind.WEBINAR)
    summit = make_event(kind=EventKind.SUMMIT, timezone="Asia/Kolkata")
    response = client.get("/calendar.ics?kind=webinar")
    assert uids(response) == [f"event-{webinar.id}@convene.test"]
    assert Calendar.from_ical(response.data)["X-WR-CALNAME"] == "Convene webinars"
    assert 'filename="convene-webinars.ics"' in response.headers["Content-Disposition"]
    assert b"Asia/Kolkata" not in response.data
    everything = client.get("/calendar.ics?kind=nonsense")
    assert set(uids(everything)) == {f"event-{e.id}@convene.test" for e in (webinar, summit)}


@pytest.mark.parametrize("layer", LAYERS)
def test_feed_answers_304_to_both_validators_without_loading_events(app, layer, make_event):
    client = visitor(app, layer)
    make_event()
    first = client.get("/calendar.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('W/"')
    with recorded_statements(app) as statements:
        by_etag = client.get("/calendar.ics", headers={"If-None-Match": etag})
        by_date = client.get("/calendar.ics", headers={"If-Modified-Since": modified})
    assert by_etag.status_code == by_date.status_code == 304
    assert by_etag.data == by_date.data == b""
    assert by_etag.headers["ETag"] == etag
    # The validator is memoised until the next commit: at most one aggregate, no events.
    assert not loads_events(statements)
    with recorded_statements(app) as statements:
        again = client.get("/calendar.ics")
    assert again.status_code == 200 and again.headers["ETag"] == etag
    assert again.data == first.data, "served from the cache"
    assert not loads_events(statements)
    other_kind = client.get("/calendar.ics?kind=summit", headers={"If-None-Match": etag})
    assert other_kind.status_code == 200


def test_feed_changes_when_an_organiser_moves_an_event(app, client, make_event):
    event = make_event()
    first = client.get("/calendar.ics")
    (before,) = Calendar.from_ical(first.data).walk("VEVENT")
    change_event(app, event.id, start_local=wall(9, 11))
    response = client.get("/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    assert response.headers["ETag"] != first.headers["ETag"]
    (after,) = Calendar.from_ical(response.data).walk("VEVENT")
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after["DTSTART"].dt.hour == 11
    single = Calendar.from_ical(client.get(f"/events/{event.slug}.ics").data).walk("VEVENT")[0]
    assert single["SEQUENCE"] == after["SEQUENCE"]


def test_feed_changes_when_an_event_is_unpublished(app, client, make_event):
    kept, hidden = make_event(), make_event()
    first = client.get("/calendar.ics")
    change_event(app, hidden.id, status=EventStatus.DRAFT)
    response = client.get("/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    assert uids(response) == [f"event-{kept.id}@convene.test"]


def test_listing_offers_subscribe_and_download_for_the_current_filter(client, make_event):
    make_event()
    html = client.get("/").get_data(as_text=True)
    assert 'href="webcal://convene.test/calendar.ics"' in html
    assert 'href="https://convene.test/calendar.ics"' in html
    filtered = client.get("/?kind=webinar").get_data(as_text=True)
    assert 'href="webcal://convene.test/calendar.ics?kind=webinar"' in filtered
    assert 'href="https://convene.test/calendar.ics?kind=webinar"' in filtered


def test_personal_invite_is_a_request_with_the_join_link(client, make_event, make_registration):
    event = make_event()
    _, token = make_registration(event)
    response = client.get(f"/r/{token}/invite.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert response.headers["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(response.data)
    assert calendar["METHOD"] == "REQUEST"
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["ATTENDEE"] == "mailto:ana@example.org"
    # The person's own join link; the meeting's URL only organisers see.
    assert str(vevent["LOCATION"]).startswith("https://convene.test/join/")
    assert b"secret-room" not in response.data
    description = str(vevent["DESCRIPTION"])
    assert token not in response.data.decode(), "the manage link stays out of calendars"
    assert f"Event page: https://convene.test/events/{event.slug}" in description
    (parsed,) = icaljs(response.data)
    assert parsed["events"][0]["attendees"][0]["partstat"] == "ACCEPTED"


def test_cancelled_registration_downloads_the_cancellation(client, make_event, make_registration):
    event = make_event()
    _, token = make_registration(event, status=RegistrationStatus.CANCELLED, cancelled_at=now_utc())
    response = client.get(f"/r/{token}/invite.ics")
    calendar = Calendar.from_ical(response.data)
    assert calendar["METHOD"] == "CANCEL"
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["STATUS"] == "CANCELLED" and vevent["SEQUENCE"] == event.sequence + 1
    assert b"secret-room" not in response.data


def test_invite_is_404_for_bad_tokens_and_the_waiting_list(client, make_event, make_registration):
    event = make_event()
    _, token = make_registration(event, status=RegistrationStatus.WAITLISTED)
    waiting = client.get(f"/r/{token}/invite.ics")
    assert waiting.status_code == 404
    assert "waiting list" in waiting.get_data(as_text=True)
    assert client.get("/r/not-a-token/invite.ics").status_code == 404
    assert client.get(f"/r/{'A' * 43}/invite.ics").status_code == 404


def test_feed_version_moves_when_an_event_leaves_the_90_day_window(app, make_event):
    event = past_event(make_event, 80)
    with app.app_context():
        inside = feed.feed_version(None)
        later = now_utc() + timedelta(days=20)
        outside = feed.feed_version(None, now=later)
    assert inside.count == 1 and outside.count == 0
    assert outside.etag != inside.etag
    assert outside.last_modified == (event.ends_at + feed.WINDOW).replace(microsecond=0)
    assert outside.last_modified > inside.last_modified


@pytest.mark.parametrize(
    "app_config",
    [{**TEST_CONFIG, "RATELIMIT_ENABLED": True, "MANAGE_RATE_LIMIT": "2 per minute"}],
)
def test_invite_downloads_are_rate_limited(client, make_event, make_registration):
    _, token = make_registration(make_event())
    statuses = [client.get(f"/r/{token}/invite.ics").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("path", ["/calendar.ics", "/events/{slug}.ics"])
def test_if_none_match_decides_over_if_modified_since(app, make_event, layer, path):
    """RFC 9110 13.2.2: If-Modified-Since counts only when If-None-Match is absent."""
    path = path.format(slug=make_event().slug)
    client = visitor(app, layer)
    first = client.get(path)
    client.get(path)  # from the caches from here on
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    long_ago = "Sat, 01 Jan 2000 00:00:00 GMT"
    stale_tag = client.get(
        path, headers={"If-None-Match": 'W/"old"', "If-Modified-Since": modified}
    )
    assert stale_tag.status_code == 200 and stale_tag.data == first.data
    current_tag = client.get(path, headers={"If-None-Match": etag, "If-Modified-Since": long_ago})
    assert current_tag.status_code == 304
    assert client.get(path, headers={"If-Modified-Since": long_ago}).data == first.data
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    head = client.head(path, headers={"If-None-Match": f'"x", {etag}'})
    assert head.status_code == 304 and head.data == b""


@pytest.mark.parametrize("layer", LAYERS)
def test_malformed_conditions_are_ignored(app, make_event, layer):
    make_event()
    client = visitor(app, layer)
    first = client.get("/calendar.ics")
    client.get("/calendar.ics")
    for headers in (
        {"If-None-Match": 'W/"unterminated'},
        {"If-None-Match": ",,,"},
        {"If-Modified-Since": "yesterday"},
        {"If-Modified-Since": "Mon, 99 Foo 2026 99:99:99 GMT"},
    ):
        response = client.get("/calendar.ics", headers=headers)
        assert response.status_code == 200, headers
        assert response.data == first.data


def test_a_failed_if_match_is_412_with_a_message(client, make_event):
    make_event()
    etag = client.get("/calendar.ics").headers["ETag"]
    response = client.get("/calendar.ics", headers={"If-Match": '"another-version"'})
    assert response.status_code == 412
    assert "precondition" in response.get_data(as_text=True).lower()
    assert client.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304


def test_a_postponed_event_stays_in_the_feed_after_its_old_date(app, client, make_event):
    postponed = past_event(make_event, 120)
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, postponed.id).postponed_at = now_utc() - timedelta(days=130)
        db.session.commit()
        version = feed.feed_version(None)
        later = feed.feed_version(None, now=now_utc() + timedelta(days=400))
    assert version.count == 1 and later.count == 1 and version.window_edge is None
    assert f"event-{postponed.id}@convene.test" in uids(client.get("/calendar.ics"))
