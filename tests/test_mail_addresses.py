"""Internationalised addresses: a registration and its email are stored and delivered together,
or refused together.

Non-ASCII before the @ (Åsa.Lindqvist@example.se) would need the SMTPUTF8 extension, which
Convene never uses: every form that takes an address Convene mails, and `flask organiser
create`, refuse it, whatever the configuration says; a message to one stored by other
means fails once, saying why. An internationalised domain (bücher.example) is accepted and
always travels in its ASCII form.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.mail_support import deliver, header_block, mailbox, outbox_rows, queue_row
from tests.organiser_support import (
    event_form_data,
    make_organiser,
    sign_in,
)
from tests.registration_support import form_data, register
from webapp import create_app
from webapp.db import now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail.models import OutboxStatus
from webapp.organiser.models import Organiser
from webapp.registration.forms import NON_ASCII_LOCAL_PART
from webapp.registration.models import Registration

ASA = "Åsa.Lindqvist@example.se"
IDN = "bokhandel@bücher.example"
IDN_ASCII = "bokhandel@xn--bcher-kva.example"


def _error(response, field: str = "email") -> str:
    html = response.get_data(as_text=True)
    found = re.search(rf'<p class="error-message" id="{field}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def _registrations(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def test_there_is_no_setting_that_lets_such_addresses_in(monkeypatch, tmp_path):
    monkeypatch.setenv("MAIL_SMTPUTF8", "true")
    config = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}
    assert "MAIL_SMTPUTF8" not in create_app(config).config


# --- refused where it is typed ---------------------------------------------------------------


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


@pytest.fixture
def smtputf8_left_in_instance_config(app_config):
    """A setting of earlier versions, as an instance/config.py may still carry it."""
    app_config["MAIL_SMTPUTF8"] = True


def test_a_leftover_setting_lets_nothing_in(
    smtputf8_left_in_instance_config, app, client, make_event
):
    event = make_event()
    make_organiser(app, "admin@cluster.example", admin=True)
    sign_in(client, "admin@cluster.example")

    account = client.post("/organiser/accounts/new", data={"email": ASA, "name": "Åsa"})
    registration = client.post(f"/events/{event.slug}/register", data=form_data(email=ASA))

    assert (account.status_code, registration.status_code) == (422, 422)
    assert _registrations(app) == 0
    assert outbox_rows(app) == []


# --- the event's contact email, which becomes the Reply-To ---------------------------------

EVENT_FORM = event_form_data(title="Smart Regions", organiser_name="Bokhandel", capacity=None)


def _contact_emails(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Event.organiser_email).order_by(Event.id)))


@pytest.fixture
def signed_in_organiser(app, client):
    make_organiser(app, "olga@cluster.example")
    sign_in(client, "olga@cluster.example")


@pytest.mark.parametrize("address", [ASA, "zoë@example.org", "åsa@bücher.example"])
def test_the_event_form_refuses_such_a_contact_email(app, client, signed_in_organiser, address):
    response = client.post("/organiser/events/new", data={**EVENT_FORM, "organiser_email": address})

    assert response.status_code == 422
    assert _error(response, "organiser_email") == NON_ASCII_LOCAL_PART
    assert _contact_emails(app) == []


def test_an_edit_cannot_bring_such_a_contact_email_in(app, client, signed_in_organiser):
    created = client.post("/organiser/events/new", data={**EVENT_FORM, "organiser_email": IDN})
    assert created.status_code == 302
    assert _contact_emails(app) == [IDN]

    edited = client.post(
        created.headers["Location"] + "/edit", data={**EVENT_FORM, "organiser_email": ASA}
    )

    assert edited.status_code == 422
    assert _error(edited, "organiser_email") == NON_ASCII_LOCAL_PART
    assert _contact_emails(app) == [IDN]


def test_an_internationalised_contact_domain_replies_to_its_ascii_form(
    app, client, smtp_server, make_event
):
    event = make_event(organiser_name="Bokhandel", organiser_email=IDN)
    register(app, event.id, "ana@example.org")

    assert deliver(app).sent == 1

    (mail,) = smtp_server.messages
    assert mailbox(mail.raw, "Reply-To") == ("Bokhandel", IDN_ASCII)


def test_a_stored_contact_email_that_cannot_be_written_is_left_out_not_the_message(
    app, smtp_server, make_event
):
    event = make_event(organiser_name="Åsa Lindqvist", organiser_email=ASA)  # stored earlier
    register(app, event.id, "ana@example.org")

    assert deliver(app).sent == 1

    (mail,) = smtp_server.messages
    assert mail.message["Reply-To"] is None
    assert mail.rcpt_tos == ["ana@example.org"]


# --- flask organiser create ----------------------------------------------------------------


def test_the_command_line_refuses_such_an_address_before_asking_for_a_password(app, runner):
    result = runner.invoke(args=["organiser", "create", ASA], input="correct horse battery\n")

    assert result.exit_code == 1
    assert f"Error: Cannot create {ASA}: {NON_ASCII_LOCAL_PART}" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organiser)) == 0


def test_the_command_line_takes_an_internationalised_domain(app, runner):
    result = runner.invoke(args=["organiser", "create", IDN], input="correct horse battery\n")

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Organiser.email)).all() == [IDN]


# --- a row written by other means ----------------------------------------------------------


def test_a_stored_message_to_such_an_address_fails_once_in_its_batch_outcomes(app, smtp_server):
    queue_row(app, recipient="ana@example.org")
    queue_row(app, recipient=ASA, recipient_name="Åsa Lindqvist")
    queue_row(app, recipient="bo@example.org")
    commits = []
    with app.app_context():
        sa.event.listen(db.engine, "commit", lambda connection: commits.append(connection))
        report = deliver(app)

    assert (report.sent, report.retried, report.failed) == (2, 0, 1)
    assert len(commits) == 2  # the claim, then every outcome of the batch in one write
    ana, asa, bo = outbox_rows(app)
    assert (ana.status, bo.status) == (OutboxStatus.SENT, OutboxStatus.SENT)
    assert (asa.status, asa.attempts) == (OutboxStatus.FAILED, 1)
    assert asa.last_error == (
        f"Cannot build message: {ASA} has non-ASCII characters before the @, which only the "
        "SMTPUTF8 mail extension can carry; Convene does not send such messages"
    )
    assert [m.rcpt_tos for m in smtp_server.messages] == [["ana@example.org"], ["bo@example.org"]]
    assert deliver(app, now=now_utc() + timedelta(days=2)).failed == 0  # never tried again
