"""Organiser accounts: the CLI, signing in and out, safe redirects, passwords, admin pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.organiser_support import (
    PASSWORD,
    csrf_token,
    make_organiser,
    outbox_rows,
    sign_in,
)
from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.organiser import accounts
from webapp.organiser.models import Organiser
from webapp.organiser.views import BAD_CREDENTIALS

EMAIL = "olga@cluster.example"


def _organiser(app, email: str = EMAIL) -> Organiser:
    with app.app_context():
        organiser = db.session.scalar(sa.select(Organiser).where(Organiser.email == email))
        db.session.expunge(organiser)
        return organiser


# --- flask organiser create ---------------------------------------------------------------


def test_cli_creates_an_admin_with_a_hashed_password_read_from_stdin(app, runner):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # the production default
    result = runner.invoke(
        args=["organiser", "create", "Olga@Cluster.example", "--admin", "--name", "Olga"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin olga@cluster.example" in result.output
    organiser = _organiser(app)
    assert organiser.is_admin and organiser.name == "Olga"
    assert organiser.password_hash.startswith("scrypt:")
    assert PASSWORD not in organiser.password_hash


def test_cli_refuses_duplicates_and_short_passwords(app, runner):
    make_organiser(app, EMAIL)
    duplicate = runner.invoke(args=["organiser", "create", EMAIL], input=PASSWORD + "\n")
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    short = runner.invoke(args=["organiser", "create", "new@cluster.example"], input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Organiser.id))) == 1


# --- signing in -------------------------------------------------------------------------------


def test_sign_in_with_the_right_password_opens_the_event_list(app, client):
    make_organiser(app, EMAIL)
    response = sign_in(client, "  OLGA@cluster.example ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/organiser/events"
    assert client.get("/organiser/events").status_code == 200


def test_unknown_email_and_wrong_password_get_the_same_answer(app, client):
    make_organiser(app, EMAIL)
    wrong_password = sign_in(client, EMAIL, "not the password at all")
    unknown_email = sign_in(client, "nobody@cluster.example", PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 422
    for response in (wrong_password, unknown_email):
        assert str(BAD_CREDENTIALS) in response.get_data(as_text=True)
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong_password) == strip(unknown_email)
    assert client.get("/organiser/events").status_code == 302


def test_deactivated_accounts_cannot_sign_in(app, client):
    make_organiser(app, EMAIL)
    with app.app_context():
        begin_write(db.session)
        db.session.scalar(sa.select(Organiser)).is_active_account = False
        db.session.commit()
    assert sign_in(client, EMAIL).status_code == 422


def test_signed_out_visitors_are_sent_to_sign_in_and_back(app, client):
    response = client.get("/organiser/events?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/organiser/sign-in?next=/organiser/events?page%3D2"
    make_organiser(app, EMAIL)
    back = sign_in(client, EMAIL, next_url="/organiser/events%3Fpage%3D2")
    assert back.headers["Location"] == "/organiser/events?page=2"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "https://evil.example/organiser",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\r\n/evil.example",
        "evil.example",
        "",
    ],
)
def test_next_only_leads_to_our_own_paths(app, client, target):
    make_organiser(app, EMAIL)
    response = client.post(
        "/organiser/sign-in",
        query_string={"next": target},
        data={"email": EMAIL, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/organiser/events"


def test_the_session_is_renewed_at_sign_in(app, client):
    make_organiser(app, EMAIL)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, EMAIL)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith("1:")


def test_a_copied_cookie_stops_working_after_sign_out(app, client):
    make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    copied = client.get_cookie("session").value
    out = client.post("/organiser/sign-out")
    assert out.status_code == 302 and out.headers["Location"] == "/organiser/sign-in"
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/organiser/events").status_code == 302
    assert _organiser(app).session_version == 2


def test_sign_in_keeps_csrf_protection_on(app, app_config, client):
    app.config["WTF_CSRF_ENABLED"] = True
    make_organiser(app, EMAIL)
    refused = client.post("/organiser/sign-in", data={"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 400
    assert "form expired" in refused.get_data(as_text=True)
    token = csrf_token(client, "/organiser/sign-in")
    accepted = client.post(
        "/organiser/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert accepted.status_code == 302
    assert client.post("/organiser/sign-out").status_code == 400  # sign-out needs the token too
    token = csrf_token(client, "/organiser/events")
    assert client.post("/organiser/sign-out", data={"csrf_token": token}).status_code == 302


@pytest.fixture
def rate_limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")


def test_repeated_failures_are_rate_limited(rate_limited, app, client):
    make_organiser(app, EMAIL)
    for _ in range(3):
        assert sign_in(client, EMAIL, "wrong password!").status_code == 422
    blocked = sign_in(client, EMAIL, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.get_data(as_text=True)


def test_successful_sign_ins_do_not_use_up_the_limit(rate_limited, app, client):
    make_organiser(app, EMAIL)
    for _ in range(5):
        assert sign_in(client, EMAIL).status_code == 302
        client.post("/organiser/sign-out")


# --- password reset -------------------------------------------------------------------------


def _reset_link(app) -> str:
    with app.app_context():
        from webapp.mail.models import OutboxMessage

        body = db.session.scalars(
            sa.select(OutboxMessage.text_body).order_by(OutboxMessage.id.desc())
        ).first()
    match = re.search(r"https://convene\.test(/organiser/password/reset/\S+)", body)
    assert match, body
    return match.group(1)


def test_password_reset_link_works_once(app, client):
    make_organiser(app, EMAIL)
    response = client.post("/organiser/password/forgot", data={"email": EMAIL.upper()})
    assert response.status_code == 302
    assert [row[:2] for row in outbox_rows(app)] == [("password_reset", EMAIL)]
    link = _reset_link(app)
    assert client.get(link).status_code == 200
    new_password = "a brand new passphrase"
    mismatch = client.post(link, data={"password": new_password, "confirm": "something else"})
    assert mismatch.status_code == 422
    done = client.post(link, data={"password": new_password, "confirm": new_password})
    assert done.status_code == 302
    assert sign_in(client, EMAIL, PASSWORD).status_code == 422
    assert sign_in(client, EMAIL, new_password).status_code == 302
    again = client.post(
        link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"}
    )
    assert again.status_code == 400
    assert "no longer works" in again.get_data(as_text=True)


def test_forgot_password_answers_the_same_for_unknown_addresses(app, client):
    response = client.post("/organiser/password/forgot", data={"email": "nobody@cluster.example"})
    assert response.status_code == 302
    assert outbox_rows(app) == []


def test_reset_links_expire(app, client):
    make_organiser(app, EMAIL)
    with app.app_context():
        organiser = accounts.find_by_email(EMAIL)
        key, max_age = app.config["SECRET_KEY"], app.config["PASSWORD_RESET_MAX_AGE"]
        old = accounts.reset_token(organiser, key, now=now_utc() - timedelta(seconds=max_age + 5))
        fresh = accounts.reset_token(
            organiser, key, now=now_utc() - timedelta(seconds=max_age - 60)
        )
    assert client.get(f"/organiser/password/reset/{old}").status_code == 400
    assert client.get(f"/organiser/password/reset/{fresh}").status_code == 200
    assert client.get("/organiser/password/reset/not-a-token").status_code == 400


def test_a_password_reset_signs_out_other_sessions(app, client):
    make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    other = app.test_client()
    other.post("/organiser/password/forgot", data={"email": EMAIL})
    link = _reset_link(app)
    other.post(
        link, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    )
    assert client.get("/organiser/events").status_code == 302


def test_changing_the_password_keeps_this_browser_and_ends_others(app, client):
    make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    elsewhere = app.test_client()
    sign_in(elsewhere, EMAIL)
    wrong = client.post(
        "/organiser/password",
        data={
            "current": "not it at all",
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    changed = client.post(
        "/organiser/password",
        data={
            "current": PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert changed.status_code == 302
    assert client.get("/organiser/events").status_code == 200
    assert elsewhere.get("/organiser/events").status_code == 302


# --- admin pages ----------------------------------------------------------------------------


def test_an_admin_adds_an_organiser_who_gets_a_password_link(app, client):
    make_organiser(app, "admin@cluster.example", admin=True)
    sign_in(client, "admin@cluster.example")
    bad = client.post("/organiser/accounts/new", data={"email": "not an email"})
    assert bad.status_code == 422
    response = client.post(
        "/organiser/accounts/new", data={"email": "New@Cluster.example", "name": "Nia"}
    )
    assert response.status_code == 302
    duplicate = client.post("/organiser/accounts/new", data={"email": "new@cluster.example"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.get_data(as_text=True)
    assert [row[:2] for row in outbox_rows(app)] == [("password_reset", "new@cluster.example")]
    newcomer = app.test_client()
    link = _reset_link(app)
    newcomer.post(link, data={"password": "my own passphrase", "confirm": "my own passphrase"})
    assert sign_in(newcomer, "new@cluster.example", "my own passphrase").status_code == 302
    assert newcomer.get("/organiser/accounts").status_code == 404  # not an admin


def test_deactivating_an_account_ends_its_sessions(app, client):
    make_organiser(app, "admin@cluster.example", admin=True)
    other_id = make_organiser(app, EMAIL)
    other = app.test_client()
    sign_in(other, EMAIL)
    sign_in(client, "admin@cluster.example")
    response = client.post(f"/organiser/accounts/{other_id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert other.get("/organiser/events").status_code == 302
    assert sign_in(other, EMAIL).status_code == 422
    own = client.post("/organiser/accounts/1/active", data={"active": "0"})
    assert own.status_code == 302 and _organiser(app, "admin@cluster.example").is_active_account


def test_demo_load_creates_an_admin_once_and_prints_its_password_once(app, runner, client):
    from webapp.demo import DEMO_ADMIN_EMAIL, DEMO_EVENTS

    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    password = re.search(r"with the password (\S+)", first.output).group(1)
    second = runner.invoke(args=["demo", "load"])
    assert "password" not in second.output
    assert sign_in(client, DEMO_ADMIN_EMAIL, password).status_code == 302
    listing = client.get("/organiser/events").get_data(as_text=True)
    assert len(re.findall(r'href="/organiser/events/\d+"', listing)) == len(DEMO_EVENTS)
    with app.app_context():
        from webapp.events.models import Event

        owners = set(db.session.scalars(sa.select(Event.owner_id)))
        admin = accounts.find_by_email(DEMO_ADMIN_EMAIL)
        assert owners == {admin.id} and admin.is_admin


@pytest.mark.parametrize("identity", ["²:1", "1:²", "١:1"])
def test_a_session_with_non_ascii_digits_is_signed_out_not_an_error(app, client, identity):
    make_organiser(app, EMAIL)
    with client.session_transaction() as session:
        session["_user_id"] = identity
        session["_fresh"] = True
    response = client.get("/organiser/events")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/organiser/sign-in")
