"""Internationalised addresses: a registration and its email are stored and delivered together,
or refused together.

Non-ASCII before the @ (Åsa.Lindqvist@example.se) needs the SMTPUTF8 extension: with
MAIL_SMTPUTF8 off, every form that takes an address Convene will mail refuses it; with it
on, the message goes with SMTPUTF8, or fails for good where the server does not offer it.
An internationalised domain (bücher.example) always travels in its ASCII form.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.mail_support import deliver, header_block, mailbox, outbox_rows, queue_row
from tests.organiser_support import (
    make_organiser,
    sign_in,
)
from tests.registration_support import form_data, register
from webapp import create_app
from webapp.extensions import db
from webapp.mail.models import OutboxStatus
from webapp.organiser.models import Organiser
from webapp.registration.forms import NON_ASCII_LOCAL_PART
from webapp.registration.models import Registration

ASA = "Åsa.Lindqvist@example.se"
IDN = "bokhandel@bücher.example"
IDN_ASCII = "bokhandel@xn--bcher-kva.example"
SMTPUTF8_SERVER = pytest.mark.parametrize("smtp_server", [{"smtputf8": True}], indirect=True)


@pytest.fixture
def smtputf8_on(app_config):
    app_config["MAIL_SMTPUTF8"] = True


def _error(response, field: str = "email") -> str:
    html = response.get_data(as_text=True)
    found = re.search(rf'<p class="error-message" id="{field}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def _registrations(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def test_the_setting_is_off_by_default_and_read_from_the_environment(monkeypatch, tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}
    assert create_app(config).config["MAIL_SMTPUTF8"] is False
    monkeypatch.setenv("MAIL_SMTPUTF8", "true")
    assert create_app(config).config["MAIL_SMTPUTF8"] is True


# --- MAIL_SMTPUTF8 off: refused where it is typed ------------------------------------------


@pytest.mark.parametrize(
    "address", [ASA, "zoë@example.org", "山田@example.jp", "user\u00a0x@e.org"]
)
def test_registration_refuses_an_address_our_server_cannot_deliver_to(
    app, client, make_event, address
):
    event = make_event()

    response = client.post(f"/events/{event.slug}/register", data=form_data(email=address))

    assert response.status_code == 422
    if "\u00a0" in address:  # not an address at all: email-validator's message comes first
        assert _error(response).startswith("Enter a valid email address.")
    else:
        assert _error(response) == NON_ASCII_LOCAL_PART
    assert _registrations(app) == 0
    assert outbox_rows(app) == []


def test_the_refusal_is_clear_and_friendly(app, client, make_event):
    event = make_event()
    response = client.post(f"/events/{event.slug}/register", data=form_data(email=ASA))
    message = _error(response)
    assert "Our mail server can only deliver to addresses" in message
    assert "before the @" in message and "another email address" in message


def test_a_syntax_error_is_reported_before_the_mail_server_rule(app, client, make_event):
    event = make_event()
    response = client.post(f"/events/{event.slug}/register", data=form_data(email="Åsa@@se"))
    assert response.status_code == 422
    assert _error(response).startswith("Enter a valid email address.")


def test_an_internationalised_domain_registers_and_is_delivered_as_its_ascii_form(
    app, client, smtp_server, make_event
):
    event = make_event()

    response = client.post(f"/events/{event.slug}/register", data=form_data(email=IDN))
    assert response.status_code == 303
    assert deliver(app).sent == 1

    (mail,) = smtp_server.messages
    assert mail.rcpt_tos == [IDN_ASCII]
    assert "SMTPUTF8" not in mail.mail_options
    assert mailbox(mail.raw, "To")[1] == IDN_ASCII
    header_block(mail.raw).decode("ascii")  # an ordinary message: ASCII headers
    (row,) = outbox_rows(app)
    assert (row.recipient, row.status) == (IDN, OutboxStatus.SENT)


def test_organiser_accounts_refuse_an_address_our_server_cannot_deliver_to(app, client):
    make_organiser(app, "admin@cluster.example", admin=True)
    sign_in(client, "admin@cluster.example")

    response = client.post("/organiser/accounts/new", data={"email": ASA, "name": "Åsa"})

    assert response.status_code == 422
    assert NON_ASCII_LOCAL_PART in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organiser)) == 1
    assert outbox_rows(app) == []


def test_organiser_accounts_keep_their_own_syntax_message(app, client):
    make_organiser(app, "admin@cluster.example", admin=True)
    sign_in(client, "admin@cluster.example")
    response = client.post("/organiser/accounts/new", data={"email": "not-an-address"})
    assert response.status_code == 422
    assert "Enter a valid email address." in response.get_data(as_text=True)
    assert NON_ASCII_LOCAL_PART not in response.get_data(as_text=True)


def test_forgot_password_refuses_an_address_our_server_cannot_deliver_to(app, client):
    make_organiser(app, ASA.lower())  # e.g. created on the command line

    response = client.post("/organiser/password/forgot", data={"email": ASA})

    assert response.status_code == 422
    assert NON_ASCII_LOCAL_PART in response.get_data(as_text=True)
    assert outbox_rows(app) == []


def test_forgot_password_still_answers_anything_else_the_same(app, client):
    response = client.post("/organiser/password/forgot", data={"email": "not-an-address"})
    assert response.status_code == 302
    assert outbox_rows(app) == []


def test_a_message_queued_while_smtputf8_was_on_fails_clearly_once_it_is_off(app, smtp_server):
    queue_row(app, recipient=ASA, recipient_name="Åsa Lindqvist")
    queue_row(app, recipient="ana@example.org")

    report = deliver(app)

    assert (report.sent, report.failed) == (1, 1)
    asa, ana = outbox_rows(app)
    assert asa.status == OutboxStatus.FAILED
    assert asa.last_error.startswith("Cannot build message:")
    assert "SMTPUTF8" in asa.last_error and "MAIL_SMTPUTF8 is off" in asa.last_error
    assert ana.status == OutboxStatus.SENT
    assert [m.rcpt_tos for m in smtp_server.messages] == [["ana@example.org"]]


# --- MAIL_SMTPUTF8 on ------------------------------------------------------------------


@SMTPUTF8_SERVER
def test_with_smtputf8_the_registration_is_stored_and_its_email_delivered(
    smtputf8_on, app, client, smtp_server, make_event
):
    event = make_event(title="Möte om kluster")

    response = client.post(
        f"/events/{event.slug}/register",
        data=form_data(email=ASA, first_name="Åsa", last_name="Lindqvist"),
    )
    assert response.status_code == 303
    assert _registrations(app) == 1
    assert deliver(app).sent == 1

    (mail,) = smtp_server.messages
    assert mail.rcpt_tos == [ASA]
    assert "SMTPUTF8" in mail.mail_options
    assert mail.mail_from == "no-reply@convene.test"
    assert mailbox(mail.raw, "To") == ("Åsa Lindqvist", ASA)
    assert str(mail.message["Subject"]) == "Registration confirmed: Möte om kluster"
    assert "Åsa" in mail.message.get_body(("plain",)).get_content()
    (row,) = outbox_rows(app)
    assert row.status == OutboxStatus.SENT


@SMTPUTF8_SERVER
def test_with_smtputf8_an_internationalised_domain_still_travels_as_ascii(
    smtputf8_on, app, client, smtp_server, make_event
):
    register(app, make_event().id, "åsa@bücher.example")
    register(app, make_event().id, IDN)

    assert deliver(app).sent == 2

    first, second = smtp_server.messages
    assert first.rcpt_tos == ["åsa@xn--bcher-kva.example"]
    assert "SMTPUTF8" in first.mail_options
    assert mailbox(first.raw, "To")[1] == "åsa@xn--bcher-kva.example"
    assert second.rcpt_tos == [IDN_ASCII]
    assert "SMTPUTF8" not in second.mail_options  # only where an address needs it
    header_block(second.raw).decode("ascii")


def test_with_smtputf8_a_server_without_it_fails_the_message_for_good(
    smtputf8_on, app, client, smtp_server, make_event
):
    event = make_event()
    response = client.post(f"/events/{event.slug}/register", data=form_data(email=ASA))
    assert response.status_code == 303
    register(app, event.id, "ana@example.org")

    report = deliver(app)

    assert (report.sent, report.retried, report.failed) == (1, 0, 1)
    asa, ana = outbox_rows(app)
    assert asa.status == OutboxStatus.FAILED
    assert "does not offer SMTPUTF8" in asa.last_error
    assert ana.status == OutboxStatus.SENT
    assert [m.rcpt_tos for m in smtp_server.messages] == [["ana@example.org"]]


def test_with_smtputf8_the_forms_accept_such_addresses(smtputf8_on, app, client):
    make_organiser(app, "admin@cluster.example", admin=True)
    sign_in(client, "admin@cluster.example")

    response = client.post("/organiser/accounts/new", data={"email": ASA, "name": "Åsa"})

    assert response.status_code == 302
    assert [(row.kind, row.recipient) for row in outbox_rows(app)] == [
        ("password_reset", ASA.lower())
    ]


@SMTPUTF8_SERVER
def test_a_reply_to_that_needs_smtputf8_goes_only_where_the_message_uses_it(
    smtputf8_on, app, smtp_server
):
    reply_to = "Åsa Lindqvist <åsa@example.se>"
    queue_row(app, recipient="ana@example.org", reply_to=reply_to)
    queue_row(app, recipient=ASA, reply_to=reply_to)

    assert deliver(app).sent == 2

    ascii_message, utf8_message = smtp_server.messages
    assert ascii_message.message["Reply-To"] is None  # cannot be written there
    assert "SMTPUTF8" not in ascii_message.mail_options
    assert mailbox(utf8_message.raw, "Reply-To") == ("Åsa Lindqvist", "åsa@example.se")
