"""Each cause writes exactly one delivery per matching webhook, in its own transaction,
with the payload receivers are promised; the scope decides whose events a webhook hears."""

from __future__ import annotations

import json

import pytest

from tests.conftest import local
from tests.organiser_support import event_form_data, make_organiser, share_event
from tests.registration_support import applicant, register
from tests.webhook_support import deliveries, make_webhook
from webapp.db import begin_write
from webapp.events.models import Event
from webapp.extensions import db
from webapp.registration import corrections, services
from webapp.registration.models import Registration

URL = "https://hooks.example.org/convene"


def payloads(app, webhook_id=None) -> list[dict]:
    return [json.loads(row.payload) for row in deliveries(app, webhook_id)]


def types(app, webhook_id=None) -> list[str]:
    return [row.event_type for row in deliveries(app, webhook_id)]


@pytest.fixture
def event(make_event, signed_in_organiser):
    return make_event(
        owner_id=signed_in_organiser,
        capacity=1,
        start_local=local("2027-02-28 18:00"),
        end_local=local("2027-02-28 19:30"),
    )


@pytest.fixture
def hook(app, signed_in_organiser):
    return make_webhook(app, signed_in_organiser, URL)[0]


def test_a_registration_sends_its_event_and_registration(app, event, hook):
    registration_id, _, _ = register(app, event.id, "ana@example.org", language="da")

    [row] = deliveries(app)
    body = json.loads(row.payload)
    assert row.event_type == body["type"] == "registration.created"
    assert row.uuid == body["id"] and row.registration_id == registration_id
    assert body["created"].endswith("Z")
    assert body["data"]["event"] == {
        "id": event.id,
        "slug": event.slug,
        "title": event.title,
        "status": "published",
        "postponed": False,
        "timezone": "Europe/Brussels",
        "start_local": "2027-02-28T18:00:00",
        "end_local": "2027-02-28T19:30:00",
        "starts_at": "2027-02-28T17:00:00Z",
        "ends_at": "2027-02-28T18:30:00Z",
        "url": f"https://convene.test/events/{event.slug}",
    }
    person = body["data"]["registration"]
    assert person["id"] == registration_id and person["status"] == "confirmed"
    assert person["email"] == "ana@example.org" and person["language"] == "da"
    assert person["first_name"] == "Ana" and person["last_name"] == "Martín"
    assert person["attendance_mode"] == "online" and person["country"] == "ES"
    assert person["organisation"] == "Cluster Andalucía"


def test_cancel_and_promotion_each_send_one(app, event, hook):
    first, _, _ = register(app, event.id, "first@example.org")
    second, _, _ = register(app, event.id, "second@example.org")  # waiting list
    with app.app_context():
        services.cancel(db.session.get(Registration, first))
        db.session.commit()

    assert types(app) == [
        "registration.created",
        "registration.created",
        "registration.cancelled",
        "registration.promoted",
    ]
    sent = payloads(app)
    assert sent[1]["data"]["registration"]["status"] == "waitlisted"
    assert sent[2]["data"]["registration"]["id"] == first
    assert sent[2]["data"]["registration"]["status"] == "cancelled"
    assert sent[3]["data"]["registration"]["id"] == second
    assert sent[3]["data"]["registration"]["status"] == "confirmed"


def test_organiser_check_in_sends_once(app, client, event, hook):
    registration_id, _, _ = register(app, event.id)
    url = f"/organiser/events/{event.id}/attendees/{registration_id}/check-in"

    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # again: the first time is kept

    assert types(app) == ["registration.created", "registration.checked_in"]
    assert payloads(app)[1]["data"]["registration"]["checked_in_at"] is not None


def test_organiser_cancel_sends_once_and_a_second_cancel_nothing(app, client, event, hook):
    registration_id, _, _ = register(app, event.id)
    url = f"/organiser/events/{event.id}/attendees/{registration_id}/cancel"

    client.post(url)
    client.post(url)

    assert types(app) == ["registration.created", "registration.cancelled"]


def test_an_expired_hold_is_a_cancellation(app, make_event, signed_in_organiser, hook, clock):
    from datetime import timedelta

    from webapp.registration.holds import expire_holds

    held = make_event(owner_id=signed_in_organiser, requires_email_confirmation=True)
    register(app, held.id)
    clock.shift(timedelta(hours=2))
    with app.app_context():
        expire_holds()
        db.session.commit()

    assert types(app) == ["registration.created", "registration.cancelled"]


def test_any_edit_of_a_published_event_sends_event_changed_and_saving_unchanged_nothing(
    app, client, event, hook
):
    edit = event_form_data(
        start_date="2027-02-28",
        end_date="2027-02-28",
        end_time="19:30",
        online_url="https://meet.example.org/secret-room",
        capacity="1",
        title=event.title,
    )
    assert client.post(f"/organiser/events/{event.id}/edit", data=edit).status_code == 302
    assert types(app) == ["event.changed"]  # the summary changed, the time did not
    assert client.post(f"/organiser/events/{event.id}/edit", data=edit).status_code == 302
    assert types(app) == ["event.changed"]  # saved as it was: nothing to tell

    edit["title"] = "Smart Regions – renamed"
    assert client.post(f"/organiser/events/{event.id}/edit", data=edit).status_code == 302
    assert payloads(app)[-1]["data"]["event"]["title"] == "Smart Regions – renamed"

    edit["start_time"] = "17:00"
    assert client.post(f"/organiser/events/{event.id}/edit", data=edit).status_code == 302

    body = payloads(app)[-1]
    assert types(app) == ["event.changed"] * 3
    assert body["type"] == "event.changed" and "registration" not in body["data"]
    assert body["data"]["event"]["starts_at"] == "2027-02-28T16:00:00Z"
    assert body["data"]["event"]["start_local"] == "2027-02-28T17:00:00"


def test_editing_a_draft_sends_nothing(app, client, signed_in_organiser, make_event, hook):
    from webapp.events.models import EventStatus

    draft = make_event(owner_id=signed_in_organiser, status=EventStatus.DRAFT)
    edit = event_form_data(title="Renamed draft")
    assert client.post(f"/organiser/events/{draft.id}/edit", data=edit).status_code == 302
    assert types(app) == []


def test_postponing_and_keeping_the_date_are_event_changes(app, event, hook):
    from webapp.communication import postpone
    from webapp.db import lock_row

    with app.app_context():
        postpone.postpone(lock_row(db.session, Event, event.id), "Venue flooded")
        db.session.commit()
    with app.app_context():
        postpone.keep_original_date(lock_row(db.session, Event, event.id))
        db.session.commit()

    assert types(app) == ["event.changed", "event.changed"]
    assert [body["data"]["event"]["postponed"] for body in payloads(app)] == [True, False]


def test_a_cancelled_event_sends_event_cancelled(app, client, event, hook):
    assert client.post(f"/organiser/events/{event.id}/cancel").status_code == 302

    [body] = payloads(app)
    assert body["type"] == "event.cancelled"
    assert body["data"]["event"]["status"] == "cancelled"


def test_a_refused_duplicate_rolls_back_and_sends_nothing(app, event, hook):
    register(app, event.id, "ana@example.org")
    with app.app_context():
        locked = db.session.get(Event, event.id)
        with pytest.raises(corrections.AlreadyRegistered):
            corrections.add_attendee(locked, applicant("ANA@example.org"))
        db.session.rollback()

    assert types(app) == ["registration.created"]


def test_a_cause_rolled_back_after_queueing_leaves_no_delivery(app, event, hook):
    with app.app_context():
        services.register(db.session.get(Event, event.id), applicant())
        db.session.rollback()

    assert deliveries(app) == []


def test_an_organisers_addition_is_a_registration(app, event, hook):
    with app.app_context():
        corrections.add_attendee(db.session.get(Event, event.id), applicant(), send_email=False)
        db.session.commit()

    assert types(app) == ["registration.created"]


def test_only_chosen_types_are_sent(app, event, signed_in_organiser):
    hook_id, _ = make_webhook(app, signed_in_organiser, URL, types=("registration.cancelled",))
    registration_id, _, _ = register(app, event.id)
    with app.app_context():
        services.cancel(db.session.get(Registration, registration_id))
        db.session.commit()

    assert types(app, hook_id) == ["registration.cancelled"]


def test_scope_one_event_all_my_events_and_never_others(app, make_event, signed_in_organiser):
    other = make_organiser(app, "otto@other.example")
    mine = make_event(owner_id=signed_in_organiser)
    shared = make_event(owner_id=other)
    share_event(app, shared.id, signed_in_organiser)
    foreign = make_event(owner_id=other)
    all_mine, _ = make_webhook(app, signed_in_organiser, URL)
    only_mine, _ = make_webhook(app, signed_in_organiser, URL, event_id=mine.id)
    foreign_hook, _ = make_webhook(app, signed_in_organiser, URL, event_id=foreign.id)
    paused, _ = make_webhook(app, signed_in_organiser, URL, active=False)
    others, _ = make_webhook(app, other, URL)

    for event_id in (mine.id, shared.id, foreign.id):
        register(app, event_id)

    def events_heard(hook_id):
        return [json.loads(r.payload)["data"]["event"]["id"] for r in deliveries(app, hook_id)]

    assert events_heard(all_mine) == [mine.id, shared.id]  # owned and co-organised
    assert events_heard(only_mine) == [mine.id]
    assert events_heard(foreign_hook) == []  # not theirs (any more): never
    assert events_heard(paused) == []
    assert events_heard(others) == [shared.id, foreign.id]


def test_without_webhooks_a_cause_costs_one_query_and_writes_nothing(app, event):
    import sqlalchemy as sa

    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            services.register(db.session.get(Event, event.id), applicant())
            db.session.commit()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
    assert deliveries(app) == []
    assert len([s for s in statements if "webhook" in s]) == 1


def test_an_admins_event_webhook_fires_and_a_deactivated_organisers_does_not(
    app, make_event, signed_in_organiser
):
    admin = make_organiser(app, "admin@convene.example", admin=True)
    gone = make_organiser(app, "gone@cluster.example")
    event = make_event(owner_id=gone)
    admins, _ = make_webhook(app, admin, URL, event_id=event.id)
    deactivated, _ = make_webhook(app, gone, URL)
    with app.app_context():
        from webapp.organiser.models import Organiser

        begin_write(db.session)
        db.session.get(Organiser, gone).is_active_account = False
        db.session.commit()

    register(app, event.id)

    assert types(app, admins) == ["registration.created"]
    assert types(app, deactivated) == []
