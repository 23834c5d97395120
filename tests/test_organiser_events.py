"""Organiser event management: the form and its time preview, status changes, email fan-out."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from tests.conftest import build_event, local
from tests.mail_support import deliver
from tests.organiser_support import (
    event_form_data,
    event_values,
    make_organiser,
    outbox_rows,
    sign_in,
)
from tests.registration_support import register
from webapp import timezones
from webapp.db import begin_write
from webapp.events.models import Event, EventFormat, EventKind, EventStatus
from webapp.extensions import db
from webapp.organiser import services
from webapp.organiser.models import Organiser
from webapp.organiser.services import EventData
from webapp.registration.models import Registration


@pytest.fixture
def organiser_id(signed_in_organiser) -> int:
    """The signed-in organiser's id."""
    return signed_in_organiser


form_data = event_form_data


def _events(app) -> list[Event]:
    with app.app_context():
        events = list(db.session.scalars(sa.select(Event).order_by(Event.id)))
        db.session.expunge_all()
        return events


# --- the form -----------------------------------------------------------------------------


def test_creating_an_event_stores_a_draft_with_utc_instants(app, client, organiser_id):
    data = form_data(timezone="America/New_York", slug="smart-regions-ny")
    response = client.post("/organiser/events/new", data=data)
    assert response.status_code == 302
    (event,) = _events(app)
    assert response.headers["Location"] == f"/organiser/events/{event.id}"
    assert event.status == EventStatus.DRAFT and event.owner_id == organiser_id
    assert event.slug == "smart-regions-ny"
    assert event.start_local.isoformat() == "2027-03-10T18:00:00"
    assert timezones.iso_utc(event.starts_at) == "2027-03-10T23:00:00Z"
    with app.app_context():
        assert db.session.get(Organiser, organiser_id).last_timezone == "America/New_York"


def test_the_zone_picker_offers_every_zone_and_defaults_to_the_last_one_used(
    app, client, organiser_id
):
    client.post("/organiser/events/new", data=form_data(timezone="Asia/Kolkata"))
    html = client.get("/organiser/events/new").get_data(as_text=True)
    assert 'list="zone-names"' in html and 'value="Asia/Kolkata"' in html
    assert html.count("<option value=") > len(timezones.all_zone_names())


def test_a_slug_is_made_from_the_title_when_left_empty(app, client, organiser_id):
    client.post("/organiser/events/new", data=form_data())
    client.post("/organiser/events/new", data=form_data())
    assert [e.slug for e in _events(app)] == ["smart-regions-brussels", "smart-regions-brussels-2"]


@pytest.mark.parametrize(
    ("day", "shown_local", "shown_utc", "offset"),
    [
        ("2027-02-28", "Sun 28 Feb 2027, 18:00 CET", "Sun 28 Feb 2027, 17:00 UTC", "UTC+01:00"),
        ("2027-06-28", "Mon 28 Jun 2027, 18:00 CEST", "Mon 28 Jun 2027, 16:00 UTC", "UTC+02:00"),
    ],
)
def test_the_preview_shows_utc_and_the_zone_abbreviation_without_saving(
    app, client, organiser_id, day, shown_local, shown_utc, offset
):
    data = form_data(start_date=day, end_date=day, save=None, preview="Check the time")
    response = client.post("/organiser/events/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shown_local in html and shown_utc in html and offset in html
    assert "Nothing is saved yet" in html
    assert _events(app) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"start_date": "2027-03-28", "start_time": "02:30", "end_date": "2027-03-28"},
            "does not exist",
        ),
        ({"end_time": "17:00"}, "The event must end after it starts."),
        ({"end_date": "2027-03-09", "end_time": "20:00"}, "The event must end after it starts."),
        ({"timezone": "Mars/Olympus_Mons"}, "Unknown time zone"),
        ({"timezone": "../../etc/passwd"}, "Unknown time zone"),
        ({"capacity": "0"}, "Enter at least 1 seat, or leave empty for no limit."),
        ({"capacity": "-1"}, "Enter at least 1 seat, or leave empty for no limit."),
        ({"capacity": "1000001"}, "Enter at most 1,000,000 seats."),
        ({"capacity": "nan"}, "Not a valid integer value."),
        ({"capacity": "2.5"}, "Not a valid integer value."),
        ({"capacity": "lots"}, "Not a valid integer value."),
        ({"start_date": "2027-02-30"}, "Not a valid date value."),
        ({"start_time": ""}, "Enter a time"),
        ({"title": ""}, "Enter a title."),
        ({"slug": "Not A Slug!"}, "lower-case letters"),
        ({"format": "in_person", "online_url": ""}, "need a city"),
        ({"format": "hybrid", "city": "Brussels", "online_url": ""}, "need a meeting link"),
        ({"online_url": "http://meet.example.org/room"}, "Use an https:// link."),
        (
            {"online_url": "https://meet.example.org/a\rATTENDEE:mailto:x@example.org"},
            "Please remove line breaks or control characters.",
        ),
        ({"country": "XX"}, "Not a valid choice."),
        ({"registration_closes": "2027-03-11T09:00"}, "close before the event ends"),
    ],
)
def test_the_form_rejects_what_the_model_rejects(app, client, organiser_id, overrides, message):
    response = client.post("/organiser/events/new", data=form_data(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html
    assert _events(app) == []


@pytest.mark.parametrize(("typed", "stored"), [("1", 1), ("", None), (" 250 ", 250)])
def test_one_seat_or_no_limit_are_fine(app, client, organiser_id, typed, stored):
    response = client.post("/organiser/events/new", data=form_data(capacity=typed))
    assert response.status_code == 302
    assert [event.capacity for event in _events(app)] == [stored]


def test_an_event_stored_with_no_seats_must_get_some_when_edited(
    app, client, organiser_id, make_event
):
    event = make_event(owner_id=organiser_id, capacity=0)
    response = _edit(client, event)
    assert response.status_code == 422
    assert "Enter at least 1 seat, or leave empty for no limit." in response.text
    assert event_values(app, event.id, "capacity") == (0,)


def test_a_taken_slug_is_a_field_error(app, client, organiser_id, make_event):
    make_event(slug="taken-slug")
    response = client.post("/organiser/events/new", data=form_data(slug="taken-slug"))
    assert response.status_code == 422
    assert "Another event already uses this web address." in response.get_data(as_text=True)


def test_the_edit_form_shows_the_stored_local_time(app, client, organiser_id, make_event):
    event = make_event(owner_id=organiser_id, timezone="Asia/Tokyo")
    html = client.get(f"/organiser/events/{event.id}/edit").get_data(as_text=True)
    assert f'value="{event.start_local:%Y-%m-%d}"' in html
    assert 'value="18:00"' in html and 'value="Asia/Tokyo"' in html


# --- status changes -------------------------------------------------------------------------


def test_publish_unpublish_and_duplicate(app, client, organiser_id, make_event):
    event = make_event(owner_id=organiser_id, status=EventStatus.DRAFT, capacity=40)
    assert client.get(f"/events/{event.slug}").status_code == 404
    assert client.post(f"/organiser/events/{event.id}/publish").status_code == 302
    assert client.get(f"/events/{event.slug}").status_code == 200
    again = client.post(f"/organiser/events/{event.id}/publish", follow_redirects=True)
    assert "Only a draft can be published." in again.get_data(as_text=True)
    client.post(f"/organiser/events/{event.id}/unpublish")
    assert event_values(app, event.id, "status") == (EventStatus.DRAFT,)

    response = client.post(f"/organiser/events/{event.id}/duplicate")
    original, copy = _events(app)
    assert response.headers["Location"] == f"/organiser/events/{copy.id}/edit"
    assert copy.status == EventStatus.DRAFT and copy.slug == f"{event.slug}-copy"
    assert copy.title == f"{event.title} (copy)" and copy.capacity == 40
    assert copy.starts_at == original.starts_at and copy.sequence == 0


def test_a_copy_of_a_postponed_rescheduled_event_is_neither(app, client, organiser_id, make_event):
    event = make_event(owner_id=organiser_id)
    with app.app_context():
        begin_write(db.session)
        row = db.session.get(Event, event.id)
        row.postponed_at = row.previous_starts_at = row.starts_at
        db.session.commit()
    client.post(f"/organiser/events/{event.id}/duplicate")
    _, copy = _events(app)
    assert copy.postponed_at is None and copy.previous_starts_at is None


def test_an_event_with_registrations_cannot_be_unpublished(app, client, organiser_id, make_event):
    event = make_event(owner_id=organiser_id)
    register(app, event.id, "ana@example.org")
    response = client.post(f"/organiser/events/{event.id}/unpublish", follow_redirects=True)
    assert "cannot be unpublished" in response.get_data(as_text=True)
    assert event_values(app, event.id, "status") == (EventStatus.PUBLISHED,)


def _registered_event(app, make_event, organiser_id) -> Event:
    """A published event with two confirmed, one waitlisted and one cancelled registration."""
    event = make_event(owner_id=organiser_id, capacity=2)
    for email in ("ana@example.org", "ben@example.org", "cleo@example.org", "dev@example.org"):
        register(app, event.id, email)
    with app.app_context():
        begin_write(db.session)
        dev = db.session.scalar(
            sa.select(Registration).where(Registration.email == "dev@example.org")
        )
        from webapp.registration import services

        services.cancel(dev)
        db.session.commit()
    return event


def _edit(client, event: Event, **overrides):
    data = form_data(
        title=event.title,
        slug=event.slug,
        start_date=f"{event.start_local:%Y-%m-%d}",
        start_time=f"{event.start_local:%H:%M}",
        end_date=f"{event.end_local:%Y-%m-%d}",
        end_time=f"{event.end_local:%H:%M}",
        timezone=event.timezone,
        online_url=event.online_url,
        capacity=str(event.capacity),
    )
    data.update(overrides)
    return client.post(f"/organiser/events/{event.id}/edit", data=data, follow_redirects=True)


def test_moving_a_published_event_tells_confirmed_and_waitlisted_attendees(
    app, client, organiser_id, make_event
):
    event = _registered_event(app, make_event, organiser_id)
    before = len(outbox_rows(app))
    response = _edit(client, event, start_time="17:00")
    assert "3 attendees will get an email" in response.get_data(as_text=True)
    changed = outbox_rows(app, kind="event_changed")
    assert sorted(row[1] for row in changed) == [
        "ana@example.org",
        "ben@example.org",
        "cleo@example.org",
    ]
    assert len(outbox_rows(app)) == before + 3
    sequence, start = event_values(app, event.id, "sequence", "start_local")
    assert sequence == event.sequence + 1 and start.hour == 17


def test_a_new_place_is_announced_but_a_new_title_is_not(app, client, organiser_id, make_event):
    event = _registered_event(app, make_event, organiser_id)
    _edit(client, event, title="A better title", summary="Clearer words.")
    assert outbox_rows(app, kind="event_changed") == []
    assert event_values(app, event.id, "sequence", "title") == (event.sequence, "A better title")
    _edit(client, event, online_url="https://meet.example.org/another-room")
    assert len(outbox_rows(app, kind="event_changed")) == 3
    assert event_values(app, event.id, "sequence") == (event.sequence + 1,)


def test_moving_a_draft_sends_nothing(app, client, organiser_id, make_event):
    event = make_event(owner_id=organiser_id, status=EventStatus.DRAFT, capacity=10)
    _edit(client, event, start_time="09:00")
    assert outbox_rows(app) == []
    assert event_values(app, event.id, "sequence") == (0,)


def test_raising_the_capacity_gives_waiting_people_a_seat(app, client, organiser_id, make_event):
    event = _registered_event(app, make_event, organiser_id)
    response = _edit(client, event, capacity="3")
    assert "Seats went to 1 person from the waiting list." in response.get_data(as_text=True)
    assert [row[1] for row in outbox_rows(app, kind="promoted")] == ["cleo@example.org"]


def test_cancelling_tells_everyone_registered_and_is_final(app, client, organiser_id, make_event):
    event = _registered_event(app, make_event, organiser_id)
    page = client.get(f"/organiser/events/{event.id}/cancel").get_data(as_text=True)
    assert "3 people are registered or waiting" in page
    response = client.post(f"/organiser/events/{event.id}/cancel", follow_redirects=True)
    assert "3 attendees will get a cancellation email" in response.get_data(as_text=True)
    assert len(outbox_rows(app, kind="event_cancelled")) == 3
    status, sequence = event_values(app, event.id, "status", "sequence")
    assert status == EventStatus.CANCELLED and sequence == event.sequence + 1
    edit = _edit(client, event, start_time="09:00")
    assert "can no longer be edited" in edit.get_data(as_text=True)
    again = client.post(f"/organiser/events/{event.id}/cancel", follow_redirects=True)
    assert "Only a published event can be cancelled." in again.get_data(as_text=True)
    assert len(outbox_rows(app, kind="event_cancelled")) == 3


def test_change_and_cancel_emails_reach_the_smtp_server(
    smtp_server, app, client, organiser_id, make_event
):
    event = _registered_event(app, make_event, organiser_id)
    deliver(app)
    already = len(smtp_server.messages)
    _edit(client, event, start_time="17:00")
    client.post(f"/organiser/events/{event.id}/cancel")
    deliver(app)
    received = smtp_server.messages[already:]
    assert len(received) == 6
    assert {tuple(m.rcpt_tos) for m in received} == {
        ("ana@example.org",),
        ("ben@example.org",),
        ("cleo@example.org",),
    }
    methods = [
        part.get_param("method")
        for m in received
        for part in m.message.walk()
        if part.get_content_type() == "text/calendar"
    ]
    assert "CANCEL" in methods
    page = client.get(f"/organiser/events/{event.id}").get_data(as_text=True)
    assert "Event changed" in page and "Event cancelled" in page


def test_delivery_failures_are_shown_with_their_error(
    smtp_server, app, client, organiser_id, make_event
):
    event = _registered_event(app, make_event, organiser_id)
    smtp_server.respond_with("550 5.1.1 Mailbox does not exist")
    deliver(app)
    page = client.get(f"/organiser/events/{event.id}").get_data(as_text=True)
    assert "Not delivered yet" in page
    assert "Mailbox does not exist" in page


# --- co-organisers --------------------------------------------------------------------------


def test_co_organisers_can_be_added_and_removed(app, client, organiser_id, make_event):
    event = make_event(owner_id=organiser_id)
    colleague = make_organiser(app, "colleague@cluster.example")
    unknown = client.post(
        f"/organiser/events/{event.id}/organisers",
        data={"email": "stranger@cluster.example"},
        follow_redirects=True,
    )
    assert "no organiser account with that email" in unknown.get_data(as_text=True)
    client.post(
        f"/organiser/events/{event.id}/organisers", data={"email": "Colleague@cluster.example"}
    )
    other = client.application.test_client()
    sign_in(other, "colleague@cluster.example")
    assert other.get(f"/organiser/events/{event.id}").status_code == 200
    client.post(f"/organiser/events/{event.id}/organisers/{colleague}/remove")
    assert other.get(f"/organiser/events/{event.id}").status_code == 404


def test_a_large_audience_is_shown_as_being_prepared_until_the_sender_writes_it(
    app, client, organiser_id, make_event
):
    app.config["MAIL_INLINE_FANOUT_LIMIT"] = 2
    event = _registered_event(app, make_event, organiser_id)
    response = _edit(client, event, start_time="17:00")
    assert "3 attendees will get an email" in response.get_data(as_text=True)
    assert outbox_rows(app, kind="event_changed") == []
    page = client.get(f"/organiser/events/{event.id}").get_data(as_text=True)
    assert "Preparing emails for 3 people" in page
    deliver(app)
    assert len(outbox_rows(app, kind="event_changed")) == 3
    page = client.get(f"/organiser/events/{event.id}").get_data(as_text=True)
    assert "Preparing emails" not in page


def _insert_event_committed_later(app, slug: str, inserted: threading.Event, delay: float):
    """Another organiser's new event with `slug`, committed `delay` seconds after insert."""
    with app.app_context():
        begin_write(db.session)
        db.session.add(build_event(slug=slug, title="Workshop"))
        db.session.flush()
        inserted.set()
        time.sleep(delay)
        db.session.commit()


def test_two_organisers_creating_the_same_title_at_once_get_two_addresses(app, organiser_id):
    inserted = threading.Event()
    other = threading.Thread(
        target=_insert_event_committed_later, args=(app, "workshop", inserted, 0.5)
    )
    other.start()
    assert inserted.wait(10)
    with app.app_context():
        organiser = db.session.get(Organiser, organiser_id)
        data = EventData(
            title="Workshop",
            slug="",
            kind=EventKind.WORKSHOP,
            format=EventFormat.ONLINE,
            summary="",
            description="",
            start_local=local("2027-03-10 18:00"),
            end_local=local("2027-03-10 19:30"),
            timezone="Europe/Brussels",
            online_url="https://meet.example.org/room",
        )
        created = services.create_event(organiser, data)
        db.session.commit()
        slug = created.slug
    other.join(10)
    assert slug == "workshop-2"
    assert sorted(e.slug for e in _events(app)) == ["workshop", "workshop-2"]


@pytest.mark.parametrize("field", ["title", "venue_name", "address", "city", "organiser_name"])
def test_one_line_fields_refuse_line_breaks_that_would_reach_calendars(client, organiser_id, field):
    values = {"format": "hybrid", "city": "Brussels", field: "Square\r\nDTSTART:19700101"}
    data = form_data(**values)
    response = client.post("/organiser/events/new", data=data)
    assert response.status_code == 422
    assert "Please remove line breaks or control characters." in response.text
    assert _events(client.application) == []
