"""Erasing registrations removes the person from every table, and nothing else."""

from __future__ import annotations

import sqlalchemy as sa

from tests.mail_support import deliver
from tests.privacy_support import database_text
from tests.registration_support import form_data, register
from tests.webhook_support import make_webhook
from webapp.extensions import db
from webapp.mail.models import OutboxMessage, OutboxStatus
from webapp.privacy import erasure
from webapp.registration.models import Registration
from webapp.webhooks.models import DeliveryStatus, WebhookDelivery

PERSON = {"first_name": "Åsa", "last_name": "O'Lindqvist", "email": "asa.lindqvist@example.se"}
PERSON_NAMES = {"first_name": PERSON["first_name"], "last_name": PERSON["last_name"]}


def _erase(app, *ids: int, mentions: bool = True) -> erasure.Erased:
    with app.app_context():
        result = erasure.erase_registrations(ids, mentions=mentions)
        db.session.commit()
        return result


def test_a_registration_and_every_copy_of_it_are_gone(
    app, client, smtp_server, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser, capacity=10)
    settings = {"language": "en", "notify_default": "each"}
    assert client.post("/organiser/account/settings", data=settings).status_code == 302
    response = client.post(
        f"/events/{event.slug}/register",
        data=form_data(
            **PERSON,
            organisation="Region Skåne",
            needs="Step-free access",
            role="Analyst",
        ),
    )
    assert response.status_code == 303
    other_id, _token, _ = register(app, event.id, "bo@example.dk", first_name="Bo")
    deliver(app)
    text = database_text(app)
    assert PERSON["email"] in text and "O&#39;Lindqvist" in text  # the notice's HTML part

    with app.app_context():
        asa_id = db.session.scalar(
            sa.select(Registration.id).where(Registration.email == PERSON["email"])
        )
    result = _erase(app, asa_id)

    assert result.registrations == 1 and result.messages >= 2  # confirmation and notice
    text = database_text(app)
    for value in (PERSON["email"], "Åsa", "O'Lindqvist", "O&#39;Lindqvist", "Step-free"):
        assert value not in text
    assert "bo@example.dk" in text  # someone else's data stays
    with app.app_context():
        assert db.session.get(Registration, other_id) is not None
        erased = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.erased_at.is_not(None))
        ).all()
        assert erased and all(m.status == OutboxStatus.SENT and m.kind for m in erased)


def test_unsent_messages_of_an_erased_registration_never_go_out(app, smtp_server, make_event):
    event = make_event(capacity=10)
    registration_id, _token, _ = register(app, event.id, PERSON["email"])
    _erase(app, registration_id)
    deliver(app)
    assert smtp_server.messages == []
    with app.app_context():
        (message,) = db.session.scalars(sa.select(OutboxMessage)).all()
        assert (message.status, message.last_error, message.recipient) == (
            OutboxStatus.FAILED,
            erasure.ERASED_NOTE,
            "",
        )


def test_erasing_twice_or_nothing_changes_nothing(app, make_event):
    event = make_event(capacity=10)
    registration_id, _token, _ = register(app, event.id, PERSON["email"])
    assert _erase(app, registration_id).registrations == 1
    assert _erase(app, registration_id) == erasure.Erased()
    assert _erase(app) == erasure.Erased()


def test_names_with_like_wildcards_match_only_themselves(app, make_event):
    event = make_event(capacity=10)
    odd_id, _token, _ = register(app, event.id, "x_y@example.org", first_name="100%", last_name="_")
    plain_id, _token, _ = register(
        app, event.id, "xay@example.org", first_name="100a", last_name="b"
    )
    _erase(app, odd_id)
    text = database_text(app)
    assert "x_y@example.org" not in text and "xay@example.org" in text
    with app.app_context():
        assert db.session.get(Registration, plain_id) is not None


def test_webhook_deliveries_about_the_person_are_erased_and_never_sent(
    app, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser, capacity=10)
    make_webhook(app, signed_in_organiser, "https://crm.example.org/hook", event_id=event.id)
    registration_id, _token, _ = register(app, event.id, PERSON["email"], **PERSON_NAMES)
    other_id, _token, _ = register(app, event.id, "bo@example.dk", first_name="Bo")
    assert PERSON["email"] in database_text(app)

    assert _erase(app, registration_id).webhook_deliveries == 1

    text = database_text(app)
    assert PERSON["email"] not in text and "O'Lindqvist" not in text
    assert "bo@example.dk" in text
    with app.app_context():
        mine = db.session.scalars(
            sa.select(WebhookDelivery).where(WebhookDelivery.registration_id == registration_id)
        ).one()
        assert (mine.payload, mine.status) == ("", DeliveryStatus.FAILED)
        theirs = db.session.scalars(
            sa.select(WebhookDelivery).where(WebhookDelivery.registration_id == other_id)
        ).one()
        assert "bo@example.dk" in theirs.payload
