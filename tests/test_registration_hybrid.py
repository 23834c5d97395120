"""Hybrid events: room and online seats, each with its own waiting list and promotion; the
pages show seats per mode; attendees switch mode from their manage page."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import sqlalchemy as sa

from tests.mail_support import calendar_of, deliver
from tests.organiser_support import event_form_data
from tests.question_support import add_question, spec, stored_answers
from tests.registration_support import form_data, outbox, register
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat
from webapp.extensions import db
from webapp.registration import services
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus

ROOM, ONLINE = AttendanceMode.IN_PERSON, AttendanceMode.ONLINE
MEETING = "https://meet.example.org/secret-room"
JOIN_LINK = "https://convene.test/join/"


def _hybrid(make_event, room=1, online=1, **overrides):
    return make_event(
        format=EventFormat.HYBRID,
        capacity=room,
        online_capacity=online,
        city="Brussels",
        venue_name="Square",
        **overrides,
    )


def _row(app, registration_id: int) -> tuple[str, str]:
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        return registration.attendance_mode.value, registration.status.value


def _kinds(app) -> list[tuple[str, int]]:
    return [(kind, rid) for kind, _, rid in outbox(app)]


def test_each_mode_has_its_own_seats_and_waiting_list(app, make_event):
    event = _hybrid(make_event, room=1, online=2)
    room = [register(app, event.id, attendance_mode=ROOM)[0] for _ in range(3)]
    online = [register(app, event.id, attendance_mode=ONLINE)[0] for _ in range(3)]

    assert [_row(app, i)[1] for i in room] == ["confirmed", "waitlisted", "waitlisted"]
    assert [_row(app, i)[1] for i in online] == ["confirmed", "confirmed", "waitlisted"]
    with app.app_context():
        positions = [
            services.waitlist_position(db.session.get(Registration, i)) for i in room + online
        ]
        seats = services.availability(db.session.get(Event, event.id))
    assert positions == [None, 1, 2, None, None, 1]  # a position within the mode's own list
    assert (seats.confirmed, seats.waitlisted, seats.seats_left) == (1, 2, 0)
    assert (seats.online.confirmed, seats.online.waitlisted, seats.online.seats_left) == (2, 1, 0)
    assert seats.state == services.RegistrationState.WAITING_LIST


def test_an_online_registrant_never_waits_for_a_room_seat(app, client, make_event):
    event = _hybrid(make_event, room=1, online=None)
    register(app, event.id, attendance_mode=ROOM)
    with app.app_context():
        seats = services.availability(db.session.get(Event, event.id))
    assert seats.state == services.RegistrationState.OPEN  # online is unlimited
    assert seats.room_full_online_free

    form = client.get(f"/events/{event.slug}/register").text
    assert "The room is full" in form and "Online seats are still free" in form

    online_id = register(app, event.id, attendance_mode=ONLINE)[0]
    room_id = register(app, event.id, attendance_mode=ROOM)[0]
    assert _row(app, online_id) == ("online", "confirmed")
    assert _row(app, room_id) == ("in_person", "waitlisted")


def test_the_form_registers_online_while_the_room_is_full(app, client, make_event):
    event = _hybrid(make_event, room=1, online=1)
    register(app, event.id, attendance_mode=ROOM)
    response = client.post(
        f"/events/{event.slug}/register",
        data=form_data(email="online@example.org", attendance_mode="online"),
    )
    assert response.status_code == 303
    with app.app_context():
        registration = db.session.scalar(
            sa.select(Registration).where(Registration.email == "online@example.org")
        )
        assert (registration.attendance_mode, registration.status) == (
            ONLINE,
            RegistrationStatus.CONFIRMED,
        )


def _cancel(app, registration_id: int, **kwargs) -> int | None:
    with app.app_context():
        begin_write(db.session)
        promoted = services.cancel(db.session.get(Registration, registration_id), **kwargs)
        db.session.commit()
        return promoted.id if promoted else None


def test_a_freed_online_seat_goes_to_the_first_online_waiter_never_a_room_waiter(app, make_event):
    event = _hybrid(make_event, room=1, online=1)
    register(app, event.id, attendance_mode=ROOM)
    online_seat = register(app, event.id, attendance_mode=ONLINE)[0]
    room_waiter = register(app, event.id, attendance_mode=ROOM)[0]  # first in line overall
    online_waiter = register(app, event.id, attendance_mode=ONLINE)[0]

    assert _cancel(app, online_seat) == online_waiter
    assert _row(app, online_waiter) == ("online", "confirmed")
    assert _row(app, room_waiter) == ("in_person", "waitlisted")
    assert ("promoted", online_waiter) in _kinds(app)


def test_raising_the_online_capacity_fills_the_online_waiting_list(
    app, client, event_with_attendees
):
    event, _ = event_with_attendees(
        format=EventFormat.HYBRID, capacity=1, online_capacity=1, city="Brussels"
    )
    ids = [register(app, event.id, attendance_mode=ONLINE)[0] for _ in range(3)]
    room = [register(app, event.id, attendance_mode=ROOM)[0] for _ in range(3)]
    assert [_row(app, i)[1] for i in ids] == ["confirmed", "waitlisted", "waitlisted"]
    start = event.start_local
    data = event_form_data(
        format="hybrid",
        city="Brussels",
        capacity="1",
        online_capacity="3",
        start_date=start.date().isoformat(),
        start_time=start.strftime("%H:%M"),
        end_date=event.end_local.date().isoformat(),
        end_time=event.end_local.strftime("%H:%M"),
        title=event.title,
        online_url=MEETING,
    )
    response = client.post(f"/organiser/events/{event.id}/edit", data=data)
    assert response.status_code == 302, response.text
    assert [_row(app, i)[1] for i in ids] == ["confirmed"] * 3
    assert [_row(app, i)[1] for i in room] == ["confirmed", "waitlisted", "waitlisted"]
    overview = client.get(f"/organiser/events/{event.id}").text
    assert "In the room: 1 confirmed of 1, 2 waiting" in overview
    assert "Online: 3 confirmed of 3, 0 waiting" in overview


def test_the_event_form_refuses_a_bad_online_capacity_and_hold(client, event_with_attendees):
    event, _ = event_with_attendees(format=EventFormat.HYBRID, capacity=5, city="Brussels")
    for field, value in (("online_capacity", "0"), ("hold_minutes", "2"), ("hold_minutes", "x")):
        data = event_form_data(format="hybrid", city="Brussels", **{field: value})
        response = client.post(f"/organiser/events/{event.id}/edit", data=data)
        assert response.status_code == 422, (field, value)


def test_event_page_and_listing_show_seats_per_mode(app, client, make_event):
    event = _hybrid(make_event, room=10, online=50, title="Hybrid summit")
    make_event(capacity=300, title="Plain webinar")
    register(app, event.id, attendance_mode=ROOM)
    register(app, event.id, attendance_mode=ONLINE)
    register(app, event.id, attendance_mode=ONLINE)

    page = client.get(f"/events/{event.slug}").text
    assert "Seats left in the room" in page and "9 of 10" in page
    assert "Seats left online" in page and "48 of 50" in page

    listing = client.get("/").text
    assert "In the room: 9 of 10 seats left" in listing
    assert "Online: 48 of 50 seats left" in listing
    assert "of 300" not in listing  # single-mode cards show no seats, as before

    register(app, event.id, attendance_mode=ROOM)  # a registration changes the cached pages
    assert "In the room: 8 of 10 seats left" in client.get("/").text
    assert "8 of 10" in client.get(f"/events/{event.slug}").text


def test_the_listing_counts_seats_without_a_query_per_card(app, client, make_event):
    events = [_hybrid(make_event, room=5, online=5) for _ in range(4)]
    for event in events:
        register(app, event.id, attendance_mode=ROOM)
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            client.get("/?q=smart")  # a fresh page key: rendered, not served from the cache
            few = len(statements)
            for _ in range(4):
                register(app, _hybrid(make_event, room=5, online=5).id, attendance_mode=ONLINE)
            statements.clear()
            client.get("/?q=specialisation")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= few + 1


# The attendance-mode switch ---------------------------------------------------------------


def test_a_confirmed_attendee_moves_online_and_the_room_seat_goes_to_the_next(
    app, client, smtp_server, make_event
):
    event = _hybrid(make_event, room=1, online=1)
    seat, token, _ = register(app, event.id, attendance_mode=ROOM)
    waiter = register(app, event.id, attendance_mode=ROOM)[0]
    deliver(app)
    before = len(smtp_server.messages)

    manage = client.get(f"/r/{token}").text
    assert "Attend online instead" in manage
    response = client.post(f"/r/{token}/mode")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{token}")
    assert _row(app, seat) == ("online", "confirmed")
    assert _row(app, waiter) == ("in_person", "confirmed")
    deliver(app)
    mails = {m.rcpt_tos[0]: m for m in smtp_server.messages[before:]}
    assert len(mails) == 2
    changed = next(
        m for m in mails.values() if "How you attend has changed" in m.message["Subject"]
    )
    invite = calendar_of(changed.message)
    vevent = next(iter(invite.walk("VEVENT")))
    assert invite["METHOD"] == "REQUEST"
    # Online now: their own join link (never the meeting's URL) is theirs.
    assert str(vevent["URL"]).startswith(JOIN_LINK)
    downloaded = icalendar.Calendar.from_ical(client.get(f"/r/{token}/invite.ics").data)
    assert str(next(iter(downloaded.walk("VEVENT")))["URL"]).startswith(JOIN_LINK)
    assert MEETING not in invite.to_ical().decode()


def test_moving_back_in_person_drops_the_meeting_link_from_the_invite(app, client, make_event):
    event = _hybrid(make_event, room=2, online=2)
    _, token, _ = register(app, event.id, attendance_mode=ONLINE)
    assert client.post(f"/r/{token}/mode").status_code == 303
    vevent = next(
        iter(icalendar.Calendar.from_ical(client.get(f"/r/{token}/invite.ics").data).walk("VEVENT"))
    )
    assert MEETING not in vevent.to_ical().decode()
    assert JOIN_LINK not in vevent.to_ical().decode()


def test_a_waitlisted_person_may_take_a_free_seat_in_the_other_mode(app, client, make_event):
    event = _hybrid(make_event, room=1, online=1)
    register(app, event.id, attendance_mode=ROOM)
    waiter, token, _ = register(app, event.id, attendance_mode=ROOM)
    assert client.post(f"/r/{token}/mode").status_code == 303
    assert _row(app, waiter) == ("online", "confirmed")
    assert ("mode_changed", waiter) in _kinds(app)


def test_no_switch_into_a_full_mode(app, client, make_event):
    event = _hybrid(make_event, room=1, online=1)
    register(app, event.id, attendance_mode=ONLINE)
    seat, token, _ = register(app, event.id, attendance_mode=ROOM)
    queued = len(outbox(app))

    assert "Attend online instead" not in client.get(f"/r/{token}").text
    response = client.post(f"/r/{token}/mode")

    assert response.status_code == 409
    assert "no seat is free" in response.text
    assert _row(app, seat) == ("in_person", "confirmed")
    assert len(outbox(app)) == queued


def test_no_switch_for_other_formats_after_the_start_or_by_get(app, client, make_event):
    single = make_event(capacity=5)
    _, token, _ = register(app, single.id)
    assert client.post(f"/r/{token}/mode").status_code == 409
    assert client.get(f"/r/{token}/mode").status_code == 405

    event = _hybrid(make_event, room=2, online=2)
    seat, token, _ = register(app, event.id, attendance_mode=ROOM)
    with app.app_context():
        begin_write(db.session)
        start = (now_utc() - timedelta(minutes=5)).replace(tzinfo=None, microsecond=0)
        db.session.get(Event, event.id).set_schedule(start, start + timedelta(hours=2), "UTC")
        db.session.commit()
    assert client.post(f"/r/{token}/mode").status_code == 409
    assert _row(app, seat) == ("in_person", "confirmed")
    assert client.post("/r/not-a-token/mode").status_code == 404


def test_moving_online_drops_the_rooms_needs_and_answers(app, client, make_event):
    event = _hybrid(make_event, room=2, online=2)
    lunch, _ = add_question(app, event.id, spec("checkbox", "Lunch?", in_person_only=True))
    topic, topics = add_question(app, event.id, spec("single_choice", "Topic", "Energy", "Water"))
    data = form_data(
        attendance_mode="in_person",
        needs="Vegan",
        **{f"q_{lunch}": "y", f"q_{topic}": str(topics["Water"])},
    )
    response = client.post(f"/events/{event.slug}/register", data=data)
    assert response.status_code == 303
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        token = services.manage_token(registration)
        registration_id = registration.id
    assert set(stored_answers(app, registration_id)) == {lunch, topic}

    assert client.post(f"/r/{token}/mode").status_code == 303

    with app.app_context():
        assert db.session.get(Registration, registration_id).needs == ""
    assert set(stored_answers(app, registration_id)) == {topic}
    # Back in the room, the page asks for the room's questions again.
    back = client.post(f"/r/{token}/mode", follow_redirects=True).text
    assert "Please answer the questions for attendees in the room below." in back
