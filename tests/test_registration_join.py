"""The personal join link: a countdown before its window, a button that joins inside it,
nothing changed by GET or HEAD, refusals for those it is not (or no longer) for, and the
meeting's own URL nowhere in what attendees receive. The clock is frozen throughout."""

from __future__ import annotations

import csv
import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import icalendar

from tests.conftest import ORGANISER_EMAIL, local
from tests.mail_support import calendar_of, deliver
from tests.organiser_support import sign_in
from tests.registration_support import register
from webapp.db import begin_write
from webapp.events.models import Event, EventFormat, EventStatus
from webapp.extensions import db
from webapp.registration.models import AttendanceMode, Registration
from webapp.registration.tokens import join_token

MEETING = "https://meet.example.org/secret-room"
JOIN_LINK = re.compile(r"https://convene\.test(?:/[a-z]{2})?/join/[0-9]+\.[A-Za-z0-9_-]{43}")
# 18:00 in Brussels (CET) is 17:00 UTC; the link opens 15 minutes earlier.
START = datetime(2027, 3, 10, 17, 0, tzinfo=UTC)
BEFORE = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _webinar(make_event, clock, **overrides) -> Event:
    clock.move_to(BEFORE)
    return make_event(start_local=local("2027-03-10 18:00"), **overrides)


def _join_path(app, registration_id: int) -> str:
    with app.app_context():
        return f"/join/{join_token(db.session.get(Registration, registration_id))}"


def _joins(app, registration_id: int) -> tuple[int, datetime | None]:
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        return registration.join_count, registration.first_joined_at


def test_before_the_window_a_countdown_in_the_event_zone_and_no_way_in(
    app, client, make_event, clock
):
    event = _webinar(make_event, clock)
    registration_id, _, _ = register(app, event.id)
    path = _join_path(app, registration_id)
    clock.move_to(START - timedelta(minutes=16))

    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Wed 10 Mar 2027, 17:45 CET" in html  # when it opens, in the event's zone
    assert 'data-countdown="60"' in html  # the script counts the last minute down
    assert "data-local-time" in html  # and shows the start in the reader's zone
    assert "Join now" not in html and MEETING not in html
    assert page.headers["Cache-Control"] == "no-store"

    refused = client.post(path)
    assert refused.status_code == 409 and "Location" not in refused.headers
    assert _joins(app, registration_id) == (0, None)


def test_inside_the_window_the_button_joins_counts_and_redirects(app, client, make_event, clock):
    event = _webinar(make_event, clock)
    registration_id, _, _ = register(app, event.id)
    path = _join_path(app, registration_id)
    clock.move_to(START - timedelta(minutes=15))

    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Join now" in html and f'action="{path}"' in html
    assert MEETING not in html  # the meeting's URL only after the person's own action
    assert "form-action 'self' https://meet.example.org" in page.headers["Content-Security-Policy"]

    joined = client.post(path)
    assert joined.status_code == 303
    assert joined.headers["Location"] == MEETING
    assert _joins(app, registration_id) == (1, START - timedelta(minutes=15))

    clock.move_to(START + timedelta(minutes=40))  # back after a dropped connection
    assert client.post(path).headers["Location"] == MEETING
    assert _joins(app, registration_id) == (2, START - timedelta(minutes=15))


def test_get_and_head_change_nothing(app, client, make_event, clock):
    """Mail scanners fetch every link in an email: only the POST counts."""
    event = _webinar(make_event, clock)
    registration_id, _, _ = register(app, event.id)
    path = _join_path(app, registration_id)
    clock.move_to(START)
    for _ in range(3):
        assert client.get(path).status_code == 200
        assert client.head(path).status_code == 200
    assert _joins(app, registration_id) == (0, None)


def test_a_cancelled_registration_s_link_stops_working(app, client, make_event, clock):
    event = _webinar(make_event, clock)
    registration_id, token, _ = register(app, event.id)
    path = _join_path(app, registration_id)
    assert client.post(f"/r/{token}/cancel").status_code == 303
    clock.move_to(START)

    page = client.get(path)
    assert page.status_code == 410
    assert "no longer works" in page.get_data(as_text=True)
    refused = client.post(path)
    assert refused.status_code == 410 and "Location" not in refused.headers
    assert _joins(app, registration_id) == (0, None)


def test_the_waiting_list_cannot_join(app, client, make_event, clock):
    event = _webinar(make_event, clock, capacity=1)
    register(app, event.id)
    waiting_id, _, _ = register(app, event.id)
    path = _join_path(app, waiting_id)
    clock.move_to(START)
    assert client.get(path).status_code == 403
    assert client.post(path).status_code == 403
    assert _joins(app, waiting_id) == (0, None)


def test_an_in_person_attendee_of_a_hybrid_event_has_no_way_in(app, client, make_event, clock):
    event = _webinar(
        make_event, clock, format=EventFormat.HYBRID, venue_name="Square", city="Brussels"
    )
    room_id, room_token, _ = register(app, event.id, attendance_mode=AttendanceMode.IN_PERSON)
    online_id, _, _ = register(app, event.id, attendance_mode=AttendanceMode.ONLINE)
    clock.move_to(START)
    page = client.get(_join_path(app, room_id))
    assert page.status_code == 403
    assert "not for attending online" in page.get_data(as_text=True)
    assert client.post(_join_path(app, room_id)).status_code == 403
    assert _joins(app, room_id) == (0, None)
    assert "/join/" not in client.get(f"/r/{room_token}").get_data(as_text=True)
    assert client.post(_join_path(app, online_id)).headers["Location"] == MEETING


def test_after_the_end_or_the_cancellation_the_link_is_gone(app, client, make_event, clock):
    ended = _webinar(make_event, clock)
    ended_id, _, _ = register(app, ended.id)
    cancelled = _webinar(make_event, clock)
    cancelled_id, _, _ = register(app, cancelled.id)
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, cancelled.id).status = EventStatus.CANCELLED
        db.session.commit()
    clock.move_to(START + timedelta(hours=2))  # the webinar ended at 17:30 UTC
    for registration_id in (ended_id, cancelled_id):
        assert client.get(_join_path(app, registration_id)).status_code == 410
        assert client.post(_join_path(app, registration_id)).status_code == 410
        assert _joins(app, registration_id) == (0, None)


def test_unknown_or_tampered_tokens_are_not_found(app, client, make_event, clock):
    event = _webinar(make_event, clock)
    registration_id, token, _ = register(app, event.id)
    path = _join_path(app, registration_id)
    other = f"/join/{registration_id + 1}." + path.split(".", 1)[1]
    for bad in (other, path[:-1] + ("A" if path[-1] != "A" else "B"), f"/join/{token}", "/join/x"):
        assert client.get(bad).status_code == 404, bad
        assert client.post(bad).status_code == 404, bad


def test_attendees_never_see_the_meeting_url(app, client, smtp_server, make_event, clock):
    event = _webinar(make_event, clock)
    _, token, _ = register(app, event.id, "ana@example.org")
    deliver(app)
    (mail,) = smtp_server.messages
    text = mail.message.get_body(("plain",)).get_content()
    html = mail.message.get_body(("html",)).get_content()
    invite = calendar_of(mail.message)
    (vevent,) = invite.walk("VEVENT")
    for where in (text, html, invite.to_ical().decode()):
        assert MEETING not in where and "secret-room" not in where
    link = JOIN_LINK.search(text).group(0)
    assert link in html
    assert str(vevent["URL"]) == str(vevent["LOCATION"]) == link
    assert f"Join online: {link}" in str(vevent["DESCRIPTION"])

    manage = client.get(f"/r/{token}").get_data(as_text=True)
    assert MEETING not in manage and link.removeprefix("https://convene.test") in manage
    downloaded = icalendar.Calendar.from_ical(client.get(f"/r/{token}/invite.ics").data)
    (entry,) = downloaded.walk("VEVENT")
    assert str(entry["URL"]) == link and MEETING not in downloaded.to_ical().decode()

    clock.move_to(START)
    assert client.post(link.removeprefix("https://convene.test")).headers["Location"] == MEETING


def test_a_danish_registrant_gets_a_danish_join_page(app, client, smtp_server, make_event, clock):
    event = _webinar(make_event, clock)
    register(app, event.id, "mette@example.org", language="da")
    deliver(app)
    link = JOIN_LINK.search(smtp_server.messages[0].message.get_body(("plain",)).get_content())
    assert link.group(0).startswith("https://convene.test/da/join/")
    clock.move_to(START - timedelta(hours=1))
    page = client.get(link.group(0).removeprefix("https://convene.test"))
    assert page.status_code == 200 and 'lang="da"' in page.get_data(as_text=True)


def test_the_window_follows_the_configured_minutes(app, client, make_event, clock):
    app.config["JOIN_OPENS_MINUTES_BEFORE"] = 60
    event = _webinar(make_event, clock)
    registration_id, _, _ = register(app, event.id)
    clock.move_to(START - timedelta(minutes=59))
    assert client.post(_join_path(app, registration_id)).status_code == 303


def test_organisers_see_online_attendance_next_to_check_ins(
    app, client, signed_in_organiser, make_event, clock
):
    event = _webinar(make_event, clock, owner_id=signed_in_organiser)
    joined_id, _, _ = register(app, event.id, "ana@example.org")
    register(app, event.id, "bo@example.org")
    clock.move_to(START - timedelta(minutes=5))
    client.post(_join_path(app, joined_id))
    client.post(_join_path(app, joined_id))
    sign_in(client, ORGANISER_EMAIL)  # the session from before the clock moved has expired

    listing = client.get(f"/organiser/events/{event.id}/attendees").get_data(as_text=True)
    assert "Joined online (2 times)" in listing
    assert re.search(r"<strong>1</strong> joined online", listing)
    detail = client.get(f"/organiser/events/{event.id}/attendees/{joined_id}")
    assert "Joined online" in detail.get_data(as_text=True)
    assert MEETING in client.get(f"/organiser/events/{event.id}").get_data(as_text=True)

    rows = list(csv.reader(io.StringIO(_csv(client, event.id))))
    header = rows[0]
    joined_at = header.index("Joined online at (Europe/Brussels)")
    assert header[joined_at - 1] == "Checked in at (Europe/Brussels)"
    by_email = {row[4]: row for row in rows[1:]}
    assert by_email["ana@example.org"][joined_at : joined_at + 2] == ["2027-03-10 17:55:00", "2"]
    assert by_email["bo@example.org"][joined_at : joined_at + 2] == ["", "0"]


def _csv(client, event_id: int) -> str:
    response = client.get(f"/organiser/events/{event_id}/attendees.csv")
    assert response.status_code == 200
    return response.get_data().decode("utf-8-sig")


def _join_at_once(app, path: str, start: threading.Barrier) -> str:
    client = app.test_client()
    start.wait()
    return client.post(path).headers.get("Location", "")


def test_joins_from_several_tabs_at_once_all_count(app, make_event, clock):
    """One UPDATE per join (join_count + 1), so none is lost to another."""
    event = _webinar(make_event, clock)
    registration_id, _, _ = register(app, event.id)
    path = _join_path(app, registration_id)
    clock.move_to(START)
    tabs = 4
    start = threading.Barrier(tabs)
    with ThreadPoolExecutor(max_workers=tabs) as pool:
        futures = [pool.submit(_join_at_once, app, path, start) for _ in range(tabs)]
        locations = [future.result(timeout=120) for future in futures]
    assert locations == [MEETING] * tabs
    assert _joins(app, registration_id) == (tabs, START)


def test_a_postponed_webinar_s_link_outlives_its_old_date(app, client, make_event, clock):
    event = _webinar(make_event, clock)
    registration_id, token, _ = register(app, event.id)
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).postponed_at = BEFORE
        db.session.commit()
    clock.move_to(START + timedelta(days=2))  # the old end has passed; no new date yet
    page = client.get(_join_path(app, registration_id))
    assert page.status_code == 200 and "Join now" not in page.text
    assert client.post(_join_path(app, registration_id)).status_code == 409
    assert _joins(app, registration_id) == (0, None)
    manage = client.get(f"/r/{token}").get_data(as_text=True)
    assert _join_path(app, registration_id) in manage
