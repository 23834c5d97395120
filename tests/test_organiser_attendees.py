"""The attendee page: counts, chart, search, status filter, keyset pages, and the actions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.organiser_support import (
    add_registrations,
    csrf_token,
    outbox_rows,
)
from tests.registration_support import register, registrations
from webapp.db import begin_write, now_utc
from webapp.events.models import EventFormat
from webapp.extensions import db
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus


@pytest.fixture
def event(event_with_attendees):
    """A published event with 3 seats owned by the signed-in organiser."""
    return event_with_attendees(capacity=3)[0]


def _page(client, event, **args) -> str:
    response = client.get(f"/organiser/events/{event.id}/attendees", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _names(html: str) -> list[str]:
    """Attendee names in table order (the first cell of each body row)."""
    if '<table class="attendees">' not in html:
        return []
    table = html.split('<table class="attendees">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>\s*<td>([^<]+)", table.split("<tbody>", 1)[1])


def _stat(html: str, label: str) -> str:
    match = re.search(r"<li><strong>([^<]+)</strong> " + label, html)
    assert match, label
    return match.group(1)


def test_counts_and_seats_left(app, client, event):
    now = now_utc()
    add_registrations(
        app,
        event.id,
        [
            {"checked_in_at": now},
            {},
            {"status": RegistrationStatus.WAITLISTED},
            {"status": RegistrationStatus.CANCELLED, "cancelled_at": now},
        ],
    )
    html = _page(client, event)
    assert _stat(html, "confirmed") == "2"
    assert _stat(html, "waiting list") == "1"
    assert _stat(html, "cancelled") == "1"
    assert _stat(html, "checked in") == "1"
    assert _stat(html, "seats left") == "1"


def test_the_chart_draws_one_bar_per_day_in_the_events_zone(client, event_with_attendees):
    # 23:30 UTC is already the next day in Tokyo (UTC+9).
    day_one = now_utc().replace(hour=1, minute=0, second=0, microsecond=0) - timedelta(days=3)
    event, _ = event_with_attendees(
        [
            {"created_at": day_one},
            {"created_at": day_one + timedelta(hours=2)},
            {"created_at": day_one + timedelta(hours=22, minutes=30)},
        ],
        timezone="Asia/Tokyo",
    )
    html = _page(client, event)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">Registrations per day</title>' in svg
    assert "3 registrations between" in svg
    bars = re.findall(r"<rect class=\"chart-bar\"[^>]*><title>([^<]+)</title>", svg)
    assert [bar.split(": ")[1] for bar in bars] == ["2 registrations", "1 registration"]
    assert "<script" not in html.split("</main>")[0]


def test_days_are_cut_at_local_midnight_even_at_a_quarter_hour_offset(client, event_with_attendees):
    evening = now_utc().replace(hour=18, minute=10, second=0, microsecond=0) - timedelta(days=3)
    event, _ = event_with_attendees(
        [{"created_at": evening}, {"created_at": evening + timedelta(minutes=10)}],
        timezone="Asia/Kathmandu",  # UTC+05:45
    )
    svg = _page(client, event).split("<svg", 1)[1]
    bars = re.findall(r"<rect class=\"chart-bar\"[^>]*><title>([^<]+)</title>", svg)
    assert [bar.split(": ")[1] for bar in bars] == ["1 registration", "1 registration"]


def test_search_matches_name_email_and_organisation(app, client, event):
    add_registrations(
        app,
        event.id,
        [
            {"first_name": "Zoë", "last_name": "Łukasiewicz", "organisation": "Kraków Tech"},
            {"first_name": "Ben", "last_name": "Okafor", "email": "ben@lagos.example"},
            {"first_name": "Cleo", "last_name": "Dupont", "organisation": "100% Bio_Cluster"},
        ],
    )
    assert _names(_page(client, event, q="Łukasiewicz")) == ["Zoë Łukasiewicz"]
    assert _names(_page(client, event, q="Zoë Kraków")) == ["Zoë Łukasiewicz"]
    assert _names(_page(client, event, q="LAGOS")) == ["Ben Okafor"]
    assert _names(_page(client, event, q="100%")) == ["Cleo Dupont"]
    assert _names(_page(client, event, q="%")) == ["Cleo Dupont"]  # a literal %, not "anything"
    assert _names(_page(client, event, q="_")) == ["Cleo Dupont"]
    empty = _page(client, event, q="nobody at all")
    assert "No registrations match." in empty and _names(empty) == []


def test_status_filter(app, client, event):
    now = now_utc()
    add_registrations(
        app,
        event.id,
        [
            {"first_name": "Ana", "last_name": "In", "checked_in_at": now},
            {"first_name": "Ben", "last_name": "Confirmed"},
            {"first_name": "Cleo", "last_name": "Waiting", "status": RegistrationStatus.WAITLISTED},
            {"first_name": "Dev", "last_name": "Gone", "status": RegistrationStatus.CANCELLED},
        ],
    )
    assert _names(_page(client, event, status="waitlisted")) == ["Cleo Waiting"]
    assert _names(_page(client, event, status="cancelled")) == ["Dev Gone"]
    assert _names(_page(client, event, status="checked_in")) == ["Ana In"]
    assert _names(_page(client, event, status="confirmed")) == ["Ben Confirmed", "Ana In"]
    assert len(_names(_page(client, event, status="bogus"))) == 4  # unknown: no filter


def test_pages_walk_through_every_registration_once(app, client, event):
    app.config["ATTENDEES_PER_PAGE"] = 20
    ids = add_registrations(app, event.id, [{"first_name": f"P{n:03d}"} for n in range(55)])
    seen, html, pages = [], _page(client, event), 0
    while True:
        pages += 1
        seen += _names(html)
        older = re.search(r'href="[^"]*older=(\d+)[^"]*">Older', html)
        if not older:
            break
        html = _page(client, event, older=older.group(1))
    assert pages == 3
    assert [name.split()[0] for name in seen] == [f"P{n:03d}" for n in range(54, -1, -1)]
    assert "55 registrations match" in html
    newer = re.search(r'href="[^"]*newer=(\d+)[^"]*">Newer', html)
    back = _page(client, event, newer=newer.group(1))
    assert [n.split()[0] for n in _names(back)] == [f"P{n:03d}" for n in range(34, 14, -1)]
    assert len(ids) == 55


def test_filters_survive_paging(app, client, event):
    app.config["ATTENDEES_PER_PAGE"] = 2
    add_registrations(
        app, event.id, [{"first_name": "Ana"}, {"first_name": "Ben"}] * 2 + [{"first_name": "Ana"}]
    )
    html = _page(client, event, q="Ana")
    link = re.search(r'href="([^"]*older=\d+[^"]*)">Older', html).group(1).replace("&amp;", "&")
    assert "q=Ana" in link
    assert _names(client.get(link).get_data(as_text=True))[0].startswith("Ana")


# --- actions ------------------------------------------------------------------------------


def _registration(app, email: str) -> Registration:
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration).where(Registration.email == email))
        db.session.expunge(registration)
        return registration


def _act(client, event, email_or_registration, action: str, app=None, **data):
    registration = email_or_registration
    if isinstance(registration, str):
        registration = _registration(app, registration)
    url = f"/organiser/events/{event.id}/attendees/{registration.id}/{action}"
    return client.post(url, data=data, follow_redirects=True)


def test_check_in_and_undo(app, client, event):
    register(app, event.id, "ana@example.org")
    html = _act(client, event, "ana@example.org", "check-in", app).get_data(as_text=True)
    assert "is checked in" in html
    assert _registration(app, "ana@example.org").checked_in_at is not None
    _act(client, event, "ana@example.org", "undo-check-in", app)
    assert _registration(app, "ana@example.org").checked_in_at is None


def test_cancelling_a_seat_gives_it_to_the_first_waiting(app, client, event):
    for email in (
        "a@example.org",
        "b@example.org",
        "c@example.org",
        "d@example.org",
        "e@example.org",
    ):
        register(app, event.id, email)
    html = _act(client, event, "b@example.org", "cancel", app).get_data(as_text=True)
    assert "cancelled and they will get an email" in html
    assert "from the waiting list gets the freed seat" in html
    assert dict(registrations(app, event.id)) == {
        "a@example.org": "confirmed",
        "b@example.org": "cancelled",
        "c@example.org": "confirmed",
        "d@example.org": "confirmed",
        "e@example.org": "waitlisted",
    }
    assert ("cancelled", "b@example.org") in [row[:2] for row in outbox_rows(app)]
    assert ("promoted", "d@example.org") in [row[:2] for row in outbox_rows(app)]


def test_promote_needs_a_free_seat(app, client, event):
    for email in ("a@example.org", "b@example.org", "c@example.org", "d@example.org"):
        register(app, event.id, email)
    full = _act(client, event, "d@example.org", "promote", app).get_data(as_text=True)
    assert "The event is full" in full
    assert dict(registrations(app, event.id))["d@example.org"] == "waitlisted"
    with app.app_context():
        begin_write(db.session)
        from webapp.events.models import Event

        db.session.get(Event, event.id).capacity = 4
        db.session.commit()
    done = _act(client, event, "d@example.org", "promote", app).get_data(as_text=True)
    assert "now has a seat" in done
    assert dict(registrations(app, event.id))["d@example.org"] == "confirmed"
    again = _act(client, event, "d@example.org", "promote", app).get_data(as_text=True)
    assert "Only a registration on the waiting list can be promoted." in again


def test_resend_queues_the_email_for_the_current_status(app, client, event):
    register(app, event.id, "ana@example.org")
    before = len(outbox_rows(app))
    html = _act(client, event, "ana@example.org", "resend", app).get_data(as_text=True)
    assert "will be sent to Ana" in html
    rows = outbox_rows(app)
    assert len(rows) == before + 1 and rows[-1][:2] == ("confirmed", "ana@example.org")


def test_checking_in_a_waitlisted_person_is_refused_clearly(app, client, event):
    for email in ("a@example.org", "b@example.org", "c@example.org", "d@example.org"):
        register(app, event.id, email)
    html = _act(client, event, "d@example.org", "check-in", app).get_data(as_text=True)
    assert "Only confirmed registrations can be checked in." in html


def test_actions_return_to_the_filtered_list_and_nowhere_else(app, client, event):
    register(app, event.id, "ana@example.org")
    registration = _registration(app, "ana@example.org")
    url = f"/organiser/events/{event.id}/attendees/{registration.id}/check-in"
    back = f"/organiser/events/{event.id}/attendees?q=ana"
    assert client.post(url, data={"next": back}).headers["Location"] == back
    for evil in ("//evil.example", "/organiser/events", "https://evil.example"):
        location = client.post(url, data={"next": evil}).headers["Location"]
        assert location == f"/organiser/events/{event.id}/attendees"


def test_the_cancel_confirmation_page_then_cancel_with_csrf(app, client, event):
    app.config["WTF_CSRF_ENABLED"] = True
    register(app, event.id, "ana@example.org")
    registration = _registration(app, "ana@example.org")
    confirm = f"/organiser/events/{event.id}/attendees/{registration.id}/cancel"
    page = client.get(confirm).get_data(as_text=True)
    assert "Cancel Ana Martín's registration?" in page.replace("&#39;", "'")
    assert client.post(confirm).status_code == 400  # no CSRF token
    assert dict(registrations(app, event.id))["ana@example.org"] == "confirmed"
    token = csrf_token(client, confirm)
    assert client.post(confirm, data={"csrf_token": token}).status_code == 302
    assert dict(registrations(app, event.id))["ana@example.org"] == "cancelled"


@pytest.mark.parametrize(
    "args",
    [{"col": "²"}, {"col": "١٢"}, {"newer": "²"}, {"older": "³"}, {"col": ["1", "²"]}],
)
def test_non_ascii_digits_in_the_query_are_ignored(client, event, args):
    response = client.get(f"/organiser/events/{event.id}/attendees", query_string=args)
    assert response.status_code == 200


def _hybrid(event_with_attendees, room: int, online: int | None, people: list[dict]):
    return event_with_attendees(
        people,
        format=EventFormat.HYBRID,
        capacity=room,
        online_capacity=online,
        city="Brussels",
        venue_name="Square",
    )[0]


def test_a_hybrid_events_seats_left_are_counted_per_mode(client, event_with_attendees):
    in_room = {"attendance_mode": AttendanceMode.IN_PERSON}
    event = _hybrid(event_with_attendees, 2, 10, [{}, {}, in_room])
    html = _page(client, event)
    assert _stat(html, "seats left in the room") == "1"
    assert _stat(html, "seats left online") == "8"
    assert not re.search(r"</strong> seats left</li>", html)

    unlimited = _hybrid(event_with_attendees, 2, None, [{}, {}])
    html = _page(client, unlimited)
    assert _stat(html, "seats left in the room") == "2"
    assert _stat(html, "seats left online") == "No limit"


def test_the_events_list_shows_a_hybrid_events_seats_per_mode(app, client, event_with_attendees):
    waiting = {"attendance_mode": AttendanceMode.IN_PERSON, "status": RegistrationStatus.WAITLISTED}
    _hybrid(event_with_attendees, 2, 10, [{}, {}, waiting])
    event_with_attendees([{}], capacity=5)
    html = client.get("/organiser/events").get_data(as_text=True)
    assert "In the room: 0 confirmed of 2, 1 waiting" in html
    assert "Online: 2 confirmed of 10, 0 waiting" in html
    assert "2 confirmed of 2" not in html
    assert "1 confirmed of 5" in html  # a single-mode event as before


def test_the_events_list_counts_seats_without_a_query_per_event(app, client, event_with_attendees):
    def statements_for_page() -> int:
        seen = []
        with app.app_context():
            listener = lambda *_args: seen.append(1)  # noqa: E731
            sa.event.listen(db.engine, "before_cursor_execute", listener)
            try:
                assert client.get("/organiser/events").status_code == 200
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    _hybrid(event_with_attendees, 2, 10, [{}])
    few = statements_for_page()
    for _ in range(4):
        _hybrid(event_with_attendees, 2, 10, [{}])
    assert statements_for_page() == few
