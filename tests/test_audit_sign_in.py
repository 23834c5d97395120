"""The audit log of signing in and out and of passwords: who, which step, never the
address or password typed."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tests.organiser_support import PASSWORD, make_organiser, sign_in
from tests.two_factor_support import audit_entries, code_at, enrol
from webapp.extensions import db
from webapp.mail.models import OutboxMessage

EMAIL = "olga@cluster.example"
NEW_PASSWORD = "a brand new passphrase"


def _no_personal_data(app):
    for _action, _actor, _object, details in audit_entries(app):
        text = repr(details)
        assert "@" not in text and PASSWORD not in text and "wrong" not in text


def test_a_sign_in_without_second_factor_is_recorded(app, client):
    organiser_id = make_organiser(app, EMAIL)
    assert sign_in(client, EMAIL).status_code == 302
    assert audit_entries(app) == [
        ("auth.signed_in", organiser_id, organiser_id, {"second_factor": None})
    ]


def test_failed_sign_ins_are_recorded_with_the_account_only_when_known(app, client):
    organiser_id = make_organiser(app, EMAIL)
    assert sign_in(client, EMAIL, "wrong password!").status_code == 422
    assert sign_in(client, "nobody@cluster.example", "wrong password!").status_code == 422
    assert audit_entries(app) == [
        ("auth.sign_in_failed", organiser_id, organiser_id, {"step": "password"}),
        ("auth.sign_in_failed", None, None, {"step": "password"}),
    ]
    _no_personal_data(app)


def test_an_invalid_form_records_nothing(app, client):
    make_organiser(app, EMAIL)
    assert client.post("/organiser/sign-in", data={"email": "", "password": ""}).status_code == 422
    assert audit_entries(app) == []


def test_sign_out_is_recorded(app, client):
    organiser_id = make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    client.post("/organiser/sign-out")
    assert audit_entries(app, "auth.signed_out") == [
        ("auth.signed_out", organiser_id, organiser_id, {})
    ]


def test_a_password_change_is_recorded_once_it_is_made(app, client):
    organiser_id = make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    refused = {"current": "not it at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post("/organiser/password", data=refused).status_code == 422
    assert audit_entries(app, "auth.password_changed") == []
    data = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post("/organiser/password", data=data).status_code == 302
    assert audit_entries(app, "auth.password_changed") == [
        ("auth.password_changed", organiser_id, organiser_id, {})
    ]
    _no_personal_data(app)


def _forgot(client, email):
    return client.post("/organiser/password/forgot", data={"email": email})


def test_password_links_are_recorded_only_for_existing_accounts(app, client):
    organiser_id = make_organiser(app, EMAIL)
    known = _forgot(client, EMAIL)
    unknown = _forgot(client, "nobody@cluster.example")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert audit_entries(app) == [("auth.password_link_sent", organiser_id, organiser_id, {})]


def test_a_reset_from_the_link_is_recorded(app, client):
    organiser_id = make_organiser(app, EMAIL)
    _forgot(client, EMAIL)
    with app.app_context():
        body = db.session.scalars(sa.select(OutboxMessage.text_body)).first()
    link = re.search(r"https://convene\.test(/organiser/password/reset/\S+)", body).group(1)
    reset = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert reset.status_code == 302
    assert audit_entries(app, "auth.password_reset") == [
        ("auth.password_reset", organiser_id, organiser_id, {})
    ]


def test_second_steps_are_recorded(app, client, clock):
    organiser_id = make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    secret, _codes = enrol(client)
    client.post("/organiser/sign-out")
    clock.shift(timedelta(seconds=30))
    sign_in(client, EMAIL)
    client.post("/organiser/sign-in/code", data={"code": "000000"})
    client.post("/organiser/sign-in/code", data={"code": code_at(secret)})
    actions = [entry[0] for entry in audit_entries(app)]
    assert actions == [
        "auth.signed_in",
        "auth.two_factor_enabled",
        "auth.signed_out",
        "auth.second_step_failed",
        "auth.signed_in",
    ]
    failed = audit_entries(app, "auth.second_step_failed")[0]
    assert failed == ("auth.second_step_failed", organiser_id, organiser_id, {"failures": 1})
    assert audit_entries(app, "auth.signed_in")[-1][3] == {"second_factor": "totp"}
    _no_personal_data(app)
