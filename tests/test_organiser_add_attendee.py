"""Organisers add attendees by hand: seat or waiting list, emails optional, no doubles."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.organiser_support import outbox_rows
from tests.registration_support import register, registrations
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventStatus
from webapp.extensions import db
from webapp.registration.models import Registration


@pytest.fixture
def owned(make_event, signed_in_organiser):
    def make(**overrides):
        return make_event(owner_id=signed_in_organiser, **overrides)

    return make


def _add_url(event) -> str:
    return f"/organiser/events/{event.id}/attendees/new"


def _person(**overrides) -> dict:
    data = {
        "first_name": "Ines",
        "last_name": "Duarte",
        "email": "ines@example.org",
        "organisation": "Porto Cluster",
        "role": "",
        "country": "PT",
        "language": "sv",
        "send_email": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _registration(app, event_id: int, email: str) -> Registration:
    with app.app_context():
        row = db.session.scalar(
            sa.select(Registration).where(
                Registration.event_id == event_id, Registration.email == email
            )
        )
        db.session.expunge(row)
        return row


def test_the_list_offers_the_form(client, owned):
    event = owned()
    listing = client.get(f"/organiser/events/{event.id}/attendees").get_data(as_text=True)
    assert f'href="{_add_url(event)}"' in listing
    html = client.get(_add_url(event)).get_data(as_text=True)
    assert 'name="send_email"' in html and 'name="skip_capacity"' in html
    assert 'name="attendance_mode"' not in html  # only for hybrid events


def test_an_added_attendee_gets_a_seat_and_the_email(app, client, owned):
    event = owned()
    response = client.post(_add_url(event), data=_person())
    assert response.status_code == 303
    row = _registration(app, event.id, "ines@example.org")
    assert response.headers["Location"].endswith(f"/attendees/{row.id}")
    assert (row.status.value, row.source.value, row.language, row.country) == (
        "confirmed",
        "organiser",
        "sv",
        "PT",
    )
    assert outbox_rows(app, registration_id=row.id) == [("confirmed", "ines@example.org", "queued")]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Added by an organiser" in detail


def test_without_the_email_nothing_is_sent(app, client, owned):
    event = owned()
    client.post(_add_url(event), data=_person(send_email=None))
    row = _registration(app, event.id, "ines@example.org")
    assert outbox_rows(app, registration_id=row.id) == []


def test_a_full_event_puts_them_on_the_waiting_list(app, client, owned):
    event = owned(capacity=1)
    register(app, event.id, "first@example.org")
    response = client.post(_add_url(event), data=_person())
    assert response.status_code == 303
    assert registrations(app, event.id)[-1] == ("ines@example.org", "waitlisted")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is on the waiting list" in page


def test_skipping_capacity_gives_a_seat_over_the_limit(app, client, owned):
    event = owned(capacity=1)
    register(app, event.id, "first@example.org")
    client.post(_add_url(event), data=_person(skip_capacity="y"))
    assert registrations(app, event.id) == [
        ("first@example.org", "confirmed"),
        ("ines@example.org", "confirmed"),
    ]


def test_closed_or_not_yet_open_registration_does_not_stop_organisers(app, client, owned):
    closed = owned(registration_closes_at=now_utc() - timedelta(hours=1))
    not_open = owned(registration_opens_at=now_utc() + timedelta(days=1))
    for event in (closed, not_open):
        assert client.post(_add_url(event), data=_person()).status_code == 303
        assert registrations(app, event.id) == [("ines@example.org", "confirmed")]


def test_cancelled_and_ended_events_refuse(app, client, owned):
    cancelled = owned(status=EventStatus.CANCELLED)
    ended = owned()
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, ended.id).set_schedule(
            (now_utc() - timedelta(days=2)).replace(tzinfo=None, microsecond=0),
            (now_utc() - timedelta(days=1)).replace(tzinfo=None, microsecond=0),
            "UTC",
        )
        db.session.commit()
    for event in (cancelled, ended):
        response = client.post(_add_url(event), data=_person())
        assert response.status_code == 409
        assert "No one can be added" in response.get_data(as_text=True)
        assert registrations(app, event.id) == []
    assert outbox_rows(app) == []


def test_a_registered_address_is_reported_not_doubled(app, client, owned):
    event = owned()
    register(app, event.id, "ines@example.org")
    response = client.post(_add_url(event), data=_person(email="INES@example.org"))
    assert response.status_code == 422
    assert "is already registered with this address" in response.get_data(as_text=True)
    assert len(registrations(app, event.id)) == 1


def test_hybrid_events_ask_how_they_attend(app, client, owned):
    event = owned(format=EventFormat.HYBRID, venue_name="Hall A")
    missing = client.post(_add_url(event), data=_person(needs="Wheelchair"))
    assert missing.status_code == 422
    assert "Choose in person or online." in missing.get_data(as_text=True)
    client.post(_add_url(event), data=_person(attendance_mode="online", needs="Wheelchair"))
    row = _registration(app, event.id, "ines@example.org")
    assert (row.attendance_mode.value, row.needs) == ("online", "")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "ines@", "Enter a valid email address."),
        ("email", "ïnes@example.org", "before the @"),
        ("first_name", "", "Enter the first name."),
        ("last_name", "Duarte 3", "Use only letters"),
        ("country", "ZZ", "Select a country from the list."),
        ("language", "xx", "Choose one of the languages in the list."),
        ("organisation", "a" * 201, "Use at most 200 characters."),
    ],
)
def test_bad_input_is_422_and_stores_nothing(app, client, owned, field, value, message):
    event = owned()
    response = client.post(_add_url(event), data=_person(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert registrations(app, event.id) == []
    assert outbox_rows(app) == []


def test_other_organisers_events_are_404(app, client, make_event):
    from tests.organiser_support import make_organiser, sign_in

    make_organiser(app, "bo@cluster.example")
    sign_in(client, "bo@cluster.example")
    event = make_event()
    assert client.get(_add_url(event)).status_code == 404
    assert client.post(_add_url(event), data=_person()).status_code == 404
    assert registrations(app, event.id) == []


def test_a_hybrid_events_full_room_leaves_online_seats_to_add(app, client, owned):
    event = owned(format=EventFormat.HYBRID, capacity=1, online_capacity=5)
    register(app, event.id, "room@example.org", attendance_mode="in_person")
    online = client.post(_add_url(event), data=_person(attendance_mode="online"))
    assert online.status_code == 303
    assert _registration(app, event.id, "ines@example.org").status.value == "confirmed"
    room = client.post(
        _add_url(event), data=_person(email="ola@example.org", attendance_mode="in_person")
    )
    assert room.status_code == 303
    assert _registration(app, event.id, "ola@example.org").status.value == "waitlisted"


def test_an_added_attendee_is_not_held_for_an_email_confirmation(app, client, owned):
    event = owned(requires_email_confirmation=True)
    assert client.post(_add_url(event), data=_person()).status_code == 303
    row = _registration(app, event.id, "ines@example.org")
    assert (row.status.value, row.hold_expires_at) == ("confirmed", None)
    assert outbox_rows(app, registration_id=row.id) == [("confirmed", "ines@example.org", "queued")]
