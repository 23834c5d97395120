"""Registration pages of an event that is over: they say so, and promise nothing more."""

from __future__ import annotations

from datetime import timedelta

from tests.registration_support import form_data, outbox, register, registrations
from webapp.db import begin_write, now_utc
from webapp.events.models import Event
from webapp.extensions import db


def _register_url(event) -> str:
    return f"/events/{event.slug}/register"


def _move_into_the_past(app, event_id: int) -> None:
    with app.app_context():
        begin_write(db.session)
        event = db.session.get(Event, event_id)
        start = (now_utc() - timedelta(days=2)).replace(tzinfo=None, second=0, microsecond=0)
        event.set_schedule(start, start + timedelta(hours=2), "UTC")
        db.session.commit()


def test_a_past_event_says_it_has_taken_place_instead_of_a_form(client, app, make_event):
    event = make_event(capacity=5)
    _move_into_the_past(app, event.id)
    page = client.get(_register_url(event))
    assert page.status_code == 200 and "This event has taken place." in page.text
    assert "<form" not in page.text and "closed" not in page.text
    posted = client.post(_register_url(event), data=form_data())
    assert posted.status_code == 409 and "This event has taken place." in posted.text
    assert registrations(app, event.id) == [] and outbox(app) == []


def test_the_manage_page_of_a_past_event_promises_nothing_more(client, app, make_event):
    event = make_event(capacity=1)
    _, seat_token, _ = register(app, event.id, "seat@example.org")
    _, wait_token, _ = register(app, event.id, "wait@example.org")
    _move_into_the_past(app, event.id)
    for token in (seat_token, wait_token):
        html = client.get(f"/r/{token}").text
        assert "This event has taken place." in html
        assert "waiting list" not in html and "confirmed" not in html
        assert "invite.ics" not in html and f"/r/{token}/cancel" not in html
