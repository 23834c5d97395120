"""Data-subject requests: the emailed link, the page of one's registrations, the download."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.mail_support import deliver
from tests.organiser_support import csrf_token, outbox_rows
from tests.privacy_request_support import SECRET, ask, mailed_link
from tests.privacy_support import database_text
from tests.question_support import add_question, spec
from tests.registration_support import form_data, register, registrations
from tests.webhook_support import make_webhook
from webapp.audit import AuditEntry
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.privacy import requests
from webapp.registration.answers import Answer

KNOWN = "Ana.Martin@Example.org"


def test_known_and_unknown_addresses_get_the_same_answer_and_only_known_ones_get_mail(
    app, client, smtp_server, make_event
):
    event = make_event(capacity=10)
    register(app, event.id, KNOWN)
    deliver(app)
    before = len(smtp_server.messages)

    known = ask(client, "ana.martin@example.org")
    unknown = ask(client, "stranger@example.net")

    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert (
        client.get(known.headers["Location"]).text == client.get(unknown.headers["Location"]).text
    )
    assert "If we hold data for this address" in client.get(known.headers["Location"]).text
    deliver(app)
    sent = smtp_server.messages[before:]
    assert [mail.rcpt_tos for mail in sent] == [["ana.martin@example.org"]]
    assert sent[0].message["Subject"] == "Your data on Convene"
    assert outbox_rows(app, recipient="stranger@example.net") == []


def test_the_mailed_link_lists_exactly_that_address_registrations(
    app, client, smtp_server, make_event
):
    first = make_event(title="Cluster Summit Århus", capacity=10)
    second = make_event(title="Hydrogen Valleys", capacity=10)
    other = make_event(title="Somebody else's webinar", capacity=10)
    register(app, first.id, KNOWN)
    register(app, second.id, KNOWN.lower())
    register(app, other.id, "bo@example.dk", first_name="Bo")
    register(app, first.id, "bo@example.dk", first_name="Bo")

    assert ask(client, "ANA.MARTIN@example.ORG").status_code == 303
    page = client.get(mailed_link(app, smtp_server, "ana.martin@example.org"))

    assert page.status_code == 200
    assert "Cluster Summit Århus" in page.text and "Hydrogen Valleys" in page.text
    assert "Somebody else" not in page.text and "bo@example.dk" not in page.text
    assert page.text.count("<tr>") == 3  # the header and two registrations
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Robots-Tag"] == "noindex"


def test_a_place_held_for_email_confirmation_is_shown_as_such(app, client, make_event):
    event = make_event(requires_email_confirmation=True, hold_minutes=30, capacity=10)
    register(app, event.id, KNOWN)
    page = client.get(f"/privacy/requests/{requests.make_token(KNOWN, SECRET)}")
    assert "Awaiting email confirmation" in page.text and "Confirmed" not in page.text


def test_the_link_works_in_the_language_it_was_asked_in(app, client, smtp_server, make_event):
    event = make_event(capacity=10)
    register(app, event.id, KNOWN)
    assert ask(client, KNOWN, prefix="/da").status_code == 303
    path = mailed_link(app, smtp_server, "ana.martin@example.org")
    assert path.startswith("/da/privacy/requests/")
    mail = smtp_server.messages[-1]
    assert mail.message["Subject"] == "Dine data på Convene"
    assert '<html lang="da">' in client.get(path).text


def test_an_expired_link_says_so_and_offers_a_new_one(app, client, make_event, clock):
    event = make_event(capacity=10)
    register(app, event.id, KNOWN)
    token = requests.make_token(KNOWN, SECRET)
    assert client.get(f"/privacy/requests/{token}").status_code == 200
    clock.shift(timedelta(hours=24, seconds=1))
    for path in ("", "/data.json", "/erase"):
        response = client.get(f"/privacy/requests/{token}{path}")
        assert response.status_code == 400
        assert "has expired" in response.text and 'href="/privacy/request"' in response.text
    assert client.post(f"/privacy/requests/{token}/erase").status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "x" * 300,
        "eyJrIjoiYW5hQGV4YW1wbGUub3JnIn0.Z1Nwbw.forged-signature",
        "%00",
    ],
)
def test_tampered_and_malformed_links_are_refused(app, client, make_event, token):
    event = make_event(capacity=10)
    register(app, event.id, KNOWN)
    response = client.get(f"/privacy/requests/{token}")
    assert response.status_code in (400, 404)
    assert "500" not in str(response.status_code)


def test_a_token_changed_by_one_character_or_for_another_address_is_refused(app, client):
    token = requests.make_token(KNOWN, SECRET)
    head, _, signature = token.rpartition(".")
    forged = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    response = client.get(f"/privacy/requests/{forged}")
    assert response.status_code == 404 and "not valid" in response.text
    other_salt = requests.URLSafeTimedSerializer(SECRET, salt="other").dumps({"k": "a@b.c"})
    assert client.get(f"/privacy/requests/{other_salt}").status_code == 404
    no_key = requests._serializer(SECRET).dumps({"n": "x"})
    assert client.get(f"/privacy/requests/{no_key}").status_code == 404


def test_the_download_holds_every_field_answers_and_messages(app, client, smtp_server, make_event):
    event = make_event(title="Ålborg Innovation Day", capacity=10)
    register(
        app,
        event.id,
        KNOWN,
        first_name="Åsa",
        last_name="Nørgaard",
        organisation="Region Skåne",
    )
    deliver(app)
    token = requests.make_token(KNOWN, SECRET)
    response = client.get(f"/privacy/requests/{token}/data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Åsa".encode() in response.data  # not \u escapes
    data = json.loads(response.data.decode("utf-8"))
    (registration,) = data["registrations"]
    assert registration["first_name"] == "Åsa" and registration["last_name"] == "Nørgaard"
    assert registration["email"] == KNOWN and registration["organisation"] == "Region Skåne"
    assert registration["status"] == "confirmed"
    assert registration["privacy_notice_version"] == "2026-01"
    assert registration["consent_at"] and registration["language"] == "en"
    assert registration["source"] == "form" and registration["answers"] == []
    assert {"checked_in_at", "first_joined_at", "join_count"} <= registration.keys()
    assert registration["event"]["title"] == "Ålborg Innovation Day"
    assert registration["event"]["timezone"] == "Europe/Brussels"
    assert [(m["kind"], m["status"]) for m in data["messages"]] == [("confirmed", "sent")]
    assert data["messages"][0]["sent_at"]


def test_the_download_carries_answers_with_their_question(app, client, make_event):
    event = make_event(capacity=10)
    question_id, _options = add_question(app, event.id, spec("short_text", "Which region?"))
    register(app, event.id, KNOWN, answers=(Answer(question_id, text="Midtjylland"),))
    token = requests.make_token(KNOWN, SECRET)
    data = client.get(f"/privacy/requests/{token}/data.json").get_json()
    assert data["registrations"][0]["answers"] == [
        {"question": "Which region?", "answer": "Midtjylland"}
    ]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address."),
        ("not-an-address", "Enter a valid email address."),
        ("a" * 250 + "@example.org", "Use at most 254 characters."),
        ("ana@exa\nmple.org", "line breaks"),
    ],
)
def test_bad_addresses_are_refused_with_a_message_and_nothing_is_sent(
    app, client, make_event, email, message
):
    event = make_event(capacity=10)
    register(app, event.id, KNOWN)
    response = ask(client, email)
    assert response.status_code == 422
    assert message in response.text
    assert outbox_rows(app, kind="data_request") == []


def test_a_bot_gets_the_same_answer_and_nothing_is_sent(app, client, make_event):
    event = make_event(capacity=10)
    register(app, event.id, KNOWN)
    filled = ask(client, KNOWN, leave_blank="https://spam.example")
    too_fast = ask(client, KNOWN, issued="forged")
    assert filled.status_code == too_fast.status_code == 303
    assert filled.headers["Location"].endswith("/privacy/request/sent")
    assert outbox_rows(app, kind="data_request") == []


@pytest.fixture
def limits(app_config):
    app_config.update(RATELIMIT_ENABLED=True)
    return app_config


def test_requests_for_one_address_are_limited_whatever_its_spelling(limits, app, client):
    app.config.update(DATA_REQUEST_ADDRESS_LIMIT="2 per hour")
    statuses = [ask(client, email).status_code for email in (KNOWN, KNOWN.upper(), KNOWN)]
    assert statuses == [303, 303, 429]
    assert ask(client, "bo@example.dk").status_code == 303


def test_requests_from_one_client_are_limited_across_languages(limits, app, client):
    app.config.update(DATA_REQUEST_RATE_LIMIT="3 per hour")
    emails = ("a@example.org", "b@example.org", "c@example.org", "d@example.org")
    statuses = [
        ask(client, e, prefix=p).status_code
        for e, p in zip(emails, ("", "/da", "/sv", ""), strict=True)
    ]
    assert statuses == [303, 303, 303, 429]


def test_the_request_form_works_end_to_end_with_csrf_on(app_config, smtp_server, app, make_event):
    app.config["WTF_CSRF_ENABLED"] = True
    event = make_event(capacity=10)
    register(app, event.id, KNOWN)
    client = app.test_client()
    assert ask(client, KNOWN).status_code == 400  # no token
    token = csrf_token(client, "/privacy/request")
    assert ask(client, KNOWN, csrf_token=token).status_code == 303
    path = mailed_link(app, smtp_server, KNOWN)
    erase_token = csrf_token(client, f"{path}/erase")
    assert client.post(f"{path}/erase").status_code == 400
    response = client.post(f"{path}/erase", data={"csrf_token": erase_token})
    assert response.status_code == 303
    assert "We hold no registrations" in client.get(path).text


# -- Erasure -----------------------------------------------------------------------------------

ASA = {"first_name": "Åsa", "last_name": "O'Lindqvist"}
ASA_EMAIL = "asa.lindqvist@example.se"


@pytest.fixture
def full_event(app, client, signed_in_organiser, make_event):
    """A one-seat event whose organiser gets a notice per registration: Åsa holds the seat
    (through the form), Bo waits."""
    event = make_event(owner_id=signed_in_organiser, capacity=1, title="Smart Grids Day")
    settings = {"language": "en", "notify_default": "each"}
    assert client.post("/organiser/account/settings", data=settings).status_code == 302
    data = form_data(**ASA, email=ASA_EMAIL, organisation="Region Skåne", needs="Step-free")
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    bo_id, _token, _ = register(app, event.id, "bo@example.dk", first_name="Bo")
    return event, bo_id


def _statuses(app, event_id):
    return registrations(app, event_id)


def test_erasing_cancels_promotes_the_next_person_and_leaves_no_trace(
    app, client, smtp_server, full_event
):
    event, bo_id = full_event
    assert ask(client, ASA_EMAIL.upper()).status_code == 303
    path = mailed_link(app, smtp_server, ASA_EMAIL)
    text = database_text(app)
    assert ASA_EMAIL in text and "O&#39;Lindqvist" in text  # in the organiser's notice

    confirm = client.get(f"{path}/erase")
    assert confirm.status_code == 200 and "Smart Grids Day" in confirm.text
    assert database_text(app) == text  # asking is not doing
    response = client.post(f"{path}/erase")
    assert response.status_code == 303 and response.headers["Location"].endswith(path)
    after = client.get(path)
    assert "We erased 1 registration" in after.text
    assert "We hold no registrations for this address." in after.text

    assert _statuses(app, event.id) == [("bo@example.dk", "confirmed")]
    deliver(app)
    promoted = [m for m in smtp_server.messages if m.rcpt_tos == ["bo@example.dk"]]
    assert promoted[-1].message["Subject"] == "A seat is yours: Smart Grids Day"
    text = database_text(app)
    assert "asa.lindqvist" not in text.lower()  # as registered, and as typed in capitals
    for value in ("Åsa", "O'Lindqvist", "O&#39;Lindqvist"):
        assert value not in text
    assert "Step-free" not in text and "Region Skåne" not in text
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "privacy.subject_erased")
        ).one()
        assert entry.actor_id is None and entry.details_dict["count"] == 1
        assert bo_id not in entry.details_dict["registration_ids"]


def test_erasing_twice_shows_there_is_nothing_left(app, client, full_event):
    token = requests.make_token(ASA_EMAIL, SECRET)
    assert client.post(f"/privacy/requests/{token}/erase").status_code == 303
    client.get(f"/privacy/requests/{token}")  # shows and clears the first message
    again = client.post(f"/privacy/requests/{token}/erase")
    assert again.status_code == 303
    page = client.get(again.headers["Location"])
    assert page.status_code == 200 and "There was nothing left to erase." in page.text
    confirm = client.get(f"/privacy/requests/{token}/erase")
    assert confirm.status_code == 200 and "Yes, erase" not in confirm.text
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "privacy.subject_erased")
        )
        assert count == 1


def _exports_logged(app) -> list[tuple]:
    with app.app_context():
        return [
            (entry.actor_id, entry.details_dict["count"])
            for entry in db.session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == "privacy.subject_exported")
            )
        ]


def test_get_and_head_change_nothing_but_the_download_is_logged(app, client, full_event):
    event, _bo_id = full_event
    token = requests.make_token(ASA_EMAIL, SECRET)
    text_before = database_text(app)
    for path in ("", "/erase"):
        assert client.get(f"/privacy/requests/{token}{path}").status_code == 200
        assert client.head(f"/privacy/requests/{token}{path}").status_code == 200
    assert client.head(f"/privacy/requests/{token}/data.json").status_code == 200
    assert database_text(app) == text_before
    assert client.get(f"/privacy/requests/{token}/data.json").status_code == 200
    assert _exports_logged(app) == [(None, 1)]  # the person's own download, by id only
    with app.app_context():
        details = db.session.scalars(sa.select(AuditEntry.details)).all()
    assert not any(ASA_EMAIL.lower() in text.lower() for text in details)
    assert [s for _e, s in _statuses(app, event.id)] == ["confirmed", "waitlisted"]


def test_the_download_names_the_systems_the_data_was_passed_on_to(
    app, client, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser, capacity=10)
    make_webhook(app, signed_in_organiser, "https://crm.cluster.example/hooks/convene")
    registration_id, _token, _ = register(app, event.id, KNOWN)
    token = requests.make_token(KNOWN, SECRET)
    data = client.get(f"/privacy/requests/{token}/data.json").get_json()
    assert [
        (item["registration_id"], item["event_type"], item["receiver"])
        for item in data["passed_on"]
    ] == [(registration_id, "registration.created", "crm.cluster.example")]


def test_a_failed_erasure_leaves_everything_as_it_was(app, client, full_event, monkeypatch):
    event, _bo_id = full_event
    before = database_text(app)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(requests.erasure, "erase_registrations", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    token = requests.make_token(ASA_EMAIL, SECRET)
    assert client.post(f"/privacy/requests/{token}/erase").status_code == 500
    assert database_text(app) == before
    assert [s for _e, s in _statuses(app, event.id)] == ["confirmed", "waitlisted"]
