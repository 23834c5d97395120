"""Postponing: attendees are told (in their language, with the organiser's note), their
calendars mark the entry tentative, registrations are kept and registration waits; the
pages and JSON-LD say EventPostponed; a new date tells them again (EventRescheduled)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.conftest import ORGANISER_EMAIL, local
from tests.mail_support import calendar_of, deliver
from tests.organiser_support import event_form_data, sign_in
from tests.registration_support import form_data, register, registrations
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.registration import services
from webapp.registration.models import Registration

NOTE = "Our speaker is ill. We will find a new date soon."


def _event(make_event, organiser_id: int, **overrides):
    values = {"start_local": local("2027-02-28 18:00"), "owner_id": organiser_id, "capacity": 1}
    return make_event(**{**values, **overrides})


def _json_ld(client, slug: str) -> dict:
    html = client.get(f"/events/{slug}").get_data(as_text=True)
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def _mails(smtp_server, before: int) -> dict:
    return {m.rcpt_tos[0]: m.message for m in smtp_server.messages[before:]}


def _text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _postponed(app, event_id: int):
    with app.app_context():
        event = db.session.get(Event, event_id)
        return event.postponed_at, event.previous_starts_at


def test_postponing_tells_everyone_and_keeps_their_registrations(
    app, client, signed_in_organiser, smtp_server, make_event
):
    event = _event(make_event, signed_in_organiser)
    register(app, event.id, "ana@example.org")
    register(app, event.id, "mette@example.org", language="da")  # on the waiting list
    deliver(app)
    before = len(smtp_server.messages)
    first_invite = calendar_of(smtp_server.messages[0].message).walk("VEVENT")[0]

    page = client.get(f"/organiser/events/{event.id}/postpone")
    assert page.status_code == 200 and "2 people are registered or waiting" in page.text
    response = client.post(f"/organiser/events/{event.id}/postpone", data={"message": NOTE})
    assert response.status_code == 302
    deliver(app)

    assert _postponed(app, event.id)[0] is not None
    assert registrations(app, event.id) == [
        ("ana@example.org", "confirmed"),
        ("mette@example.org", "waitlisted"),
    ]
    mails = _mails(smtp_server, before)
    english = mails["ana@example.org"]
    assert str(english["Subject"]) == "Postponed: Smart specialisation webinar"
    text = _text(english)
    assert "planned for Sun 28 Feb 2027, 18:00–19:30 CET" in text
    assert "Message from the organiser:\n" + NOTE in text
    invite = calendar_of(english).walk("VEVENT")[0]
    assert invite["STATUS"] == "TENTATIVE"
    assert invite["UID"] == first_invite["UID"] and invite["SEQUENCE"] > first_invite["SEQUENCE"]
    danish = mails["mette@example.org"]
    assert str(danish["Subject"]).startswith("Udskudt:")
    assert "Arrangøren har udskudt" in _text(danish) and NOTE in _text(danish)


def test_while_postponed_pages_say_so_and_registration_waits(
    app, client, signed_in_organiser, make_event, clock
):
    event = _event(make_event, signed_in_organiser, capacity=None)
    _, token, _ = register(app, event.id, "ana@example.org")
    clock.shift(timedelta(minutes=1))  # a new version of the event (its updated_at)
    client.post(f"/organiser/events/{event.id}/postpone")

    assert _json_ld(client, event.slug)["eventStatus"] == "https://schema.org/EventPostponed"
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Postponed:" in page and "Registration reopens when the new date" in page
    listing = client.get("/").get_data(as_text=True)
    assert "event-postponed" in listing
    refused = client.post(f"/events/{event.slug}/register", data=form_data(email="bo@example.org"))
    assert refused.status_code == 409
    assert registrations(app, event.id) == [("ana@example.org", "confirmed")]
    public = client.get(f"/events/{event.slug}.ics")
    assert public.status_code == 200 and b"STATUS:TENTATIVE" in public.data

    # The old date passing does not make a postponed event over, nor send reminders.
    clock.move_to(datetime(2027, 3, 1, 12, 0, tzinfo=UTC))
    manage = client.get(f"/r/{token}").get_data(as_text=True)
    assert "The event is postponed" in manage and "has taken place" not in manage
    result = app.test_cli_runner().invoke(
        args=["mail", "send-reminders", "--now", "2027-02-28T16:30:00Z"]
    )
    assert result.exit_code == 0
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert "reminder_1h" not in kinds and "reminder_24h" not in kinds


def test_a_new_date_ends_the_postponement_and_says_what_changed(
    app, client, signed_in_organiser, smtp_server, make_event
):
    event = _event(make_event, signed_in_organiser, capacity=None)
    register(app, event.id, "ana@example.org")
    client.post(f"/organiser/events/{event.id}/postpone")
    deliver(app)
    before = len(smtp_server.messages)

    data = event_form_data(
        start_date="2027-04-10",
        start_time="18:00",
        end_date="2027-04-10",
        end_time="19:30",
        online_url="https://meet.example.org/secret-room",
        capacity="",
        change_message="See you in April!",
    )
    assert client.post(f"/organiser/events/{event.id}/edit", data=data).status_code == 302
    deliver(app)

    postponed_at, previous = _postponed(app, event.id)
    assert postponed_at is None and previous == datetime(2027, 2, 28, 17, 0, tzinfo=UTC)
    text = _text(_mails(smtp_server, before)["ana@example.org"])
    assert "- The postponed event has its new date." in text
    assert "Was: Sun 28 Feb 2027, 18:00–19:30 CET · Now: Sat 10 Apr 2027, 18:00–19:30 CEST" in text
    assert "See you in April!" in text
    invite = calendar_of(_mails(smtp_server, before)["ana@example.org"]).walk("VEVENT")[0]
    assert invite["STATUS"] == "CONFIRMED"
    data_ld = _json_ld(client, event.slug)
    assert data_ld["eventStatus"] == "https://schema.org/EventRescheduled"
    assert data_ld["previousStartDate"] == "2027-02-28T18:00:00+01:00"
    assert data_ld["startDate"] == "2027-04-10T18:00:00+02:00"
    page = client.get(f"/events/{event.slug}/register")
    assert page.status_code == 200 and 'name="email"' in page.text


def test_what_cannot_be_postponed_and_bad_input(app, client, signed_in_organiser, make_event):
    event = _event(make_event, signed_in_organiser)
    register(app, event.id, "ana@example.org")
    long_note = client.post(f"/organiser/events/{event.id}/postpone", data={"message": "x" * 2001})
    assert long_note.status_code == 422
    assert _postponed(app, event.id)[0] is None

    client.post(f"/organiser/events/{event.id}/postpone")
    again = client.post(f"/organiser/events/{event.id}/postpone", follow_redirects=True)
    assert "already postponed" in again.get_data(as_text=True)
    draft = _event(make_event, signed_in_organiser, status="draft")
    refused = client.post(f"/organiser/events/{draft.id}/postpone", follow_redirects=True)
    assert "Only a published event can be postponed" in refused.get_data(as_text=True)
    assert client.get(f"/organiser/events/{event.id}/postpone?x=1").status_code == 200
    with app.app_context():
        kinds = sorted(db.session.scalars(sa.select(OutboxMessage.kind)).all())
    assert kinds == ["confirmed", "event_postponed"]  # one postponement, told once


def _cancel(app, registration_id: int) -> None:
    with app.app_context():
        services.cancel(db.session.get(Registration, registration_id))
        db.session.commit()


def test_while_postponed_the_waiting_list_does_not_close(
    app, clock, client, signed_in_organiser, make_event
):
    event = _event(make_event, signed_in_organiser)
    ana, _, _ = register(app, event.id, "ana@example.org")
    register(app, event.id, "mette@example.org")  # on the waiting list
    client.post(f"/organiser/events/{event.id}/postpone")
    clock.move_to(datetime(2027, 3, 1, 12, 0, tzinfo=UTC))  # past the old date
    _cancel(app, ana)
    assert registrations(app, event.id)[1] == ("mette@example.org", "confirmed")


def test_a_new_date_gives_seats_freed_after_the_old_cut_off_to_the_waiting_list(
    app, clock, client, signed_in_organiser, make_event
):
    event = _event(make_event, signed_in_organiser)
    ana, _, _ = register(app, event.id, "ana@example.org")
    register(app, event.id, "mette@example.org")
    clock.move_to(datetime(2027, 2, 28, 16, 0, tzinfo=UTC))  # the waiting list has closed
    _cancel(app, ana)
    assert registrations(app, event.id)[1] == ("mette@example.org", "waitlisted")
    sign_in(client, ORGANISER_EMAIL)  # the clock moved past the session's lifetime
    client.post(f"/organiser/events/{event.id}/postpone")
    data = event_form_data(start_date="2027-04-10", end_date="2027-04-10", capacity="1")
    saved = client.post(f"/organiser/events/{event.id}/edit", data=data)
    assert saved.headers["Location"] == f"/organiser/events/{event.id}"
    assert _postponed(app, event.id)[1] is not None
    assert registrations(app, event.id)[1] == ("mette@example.org", "confirmed")


def test_a_postponed_event_can_keep_its_original_date(
    app, client, signed_in_organiser, smtp_server, make_event
):
    event = _event(make_event, signed_in_organiser)
    register(app, event.id, "ana@example.org")
    register(app, event.id, "mette@example.org", language="da")  # on the waiting list
    client.post(f"/organiser/events/{event.id}/postpone")
    deliver(app)
    before = len(smtp_server.messages)
    page = client.get(f"/organiser/events/{event.id}/postpone")
    assert page.status_code == 200 and f"/organiser/events/{event.id}/keep-date" in page.text

    response = client.post(f"/organiser/events/{event.id}/keep-date", data={"message": NOTE})
    assert response.headers["Location"] == f"/organiser/events/{event.id}"
    deliver(app)
    assert _postponed(app, event.id) == (None, None)  # not postponed, nor rescheduled
    mails = _mails(smtp_server, before)
    assert set(mails) == {"ana@example.org", "mette@example.org"}
    text = _text(mails["ana@example.org"])
    assert "it takes place on its original date" in text and NOTE in text
    assert calendar_of(mails["ana@example.org"]).walk("VEVENT")[0]["STATUS"] == "CONFIRMED"
    assert "EventRescheduled" not in json.dumps(_json_ld(client, event.slug))
    assert client.get(f"/events/{event.slug}/register").status_code == 200


def test_keeping_the_date_refuses_bad_input_and_wrong_states(
    app, clock, client, signed_in_organiser, make_event
):
    event = _event(make_event, signed_in_organiser)
    register(app, event.id, "ana@example.org")
    not_postponed = client.post(f"/organiser/events/{event.id}/keep-date", follow_redirects=True)
    assert "The event is not postponed." in not_postponed.text
    client.post(f"/organiser/events/{event.id}/postpone")
    too_long = client.post(f"/organiser/events/{event.id}/keep-date", data={"message": "x" * 2001})
    assert too_long.status_code == 422
    assert client.get(f"/organiser/events/{event.id}/keep-date").status_code == 405
    clock.move_to(datetime(2027, 3, 1, 12, 0, tzinfo=UTC))  # the original date has passed
    sign_in(client, ORGANISER_EMAIL)
    late = client.post(f"/organiser/events/{event.id}/keep-date", follow_redirects=True)
    assert "The original date has passed" in late.text
    assert _postponed(app, event.id)[0] is not None
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert "event_changed" not in kinds
