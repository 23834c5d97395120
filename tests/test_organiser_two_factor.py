"""Two-step sign-in: enrolment with a QR code, codes that work once, recovery codes, the
site's requirement, and an admin's reset."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.organiser_support import PASSWORD, csrf_token, make_organiser, sign_in
from tests.two_factor_support import (
    audit_entries,
    code_at,
    enrol,
    organiser,
    shown_codes,
    start_enrolment,
)
from webapp import create_app
from webapp.extensions import db
from webapp.organiser import sign_in_steps
from webapp.organiser.models import RecoveryCode
from webapp.site_settings import SiteSetting
from webapp.webhooks.models import Webhook

EMAIL = "olga@cluster.example"
ADMIN = "ada@cluster.example"
STEP = timedelta(seconds=30)


@pytest.fixture
def enrolled(app, client, clock):
    """Olga, signed in, with two-step sign-in on; returns (id, secret, recovery codes)."""
    organiser_id = make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    secret, codes = enrol(client)
    client.post("/organiser/sign-out")
    clock.shift(STEP)  # the enrolment code's time step is used up
    return organiser_id, secret, codes


def _password_step(client, email=EMAIL, next_url=None):
    response = sign_in(client, email, next_url=next_url)
    assert response.status_code == 302
    return response


def _second_step(client, code, next_url=None):
    url = "/organiser/sign-in/code" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"code": code})


# --- enrolment ------------------------------------------------------------------------------


def test_enrolment_shows_a_local_qr_code_and_turns_on_with_a_code(app, client, clock):
    organiser_id = make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    off = client.get("/organiser/two-step").get_data(as_text=True)
    assert "Two-step sign-in is off." in off and "totp-secret" not in off  # GET makes nothing
    secret = start_enrolment(client)
    page = client.get("/organiser/two-step").get_data(as_text=True)
    assert '<img class="qr-code" src="data:image/svg+xml;charset=utf-8,' in page
    assert organiser(app, organiser_id).totp_secret is None  # pending only, in the session
    confirmed = client.post("/organiser/two-step/confirm", data={"code": code_at(secret)})
    assert confirmed.status_code == 200
    body = confirmed.get_data(as_text=True)
    codes = shown_codes(body)
    assert len(set(codes)) == 10
    assert all(len(code) == 14 and code.count("-") == 2 for code in codes)
    assert 'download="convene-recovery-codes.txt"' in body and "data:text/plain" in body
    stored = organiser(app, organiser_id)
    assert stored.totp_secret and secret not in stored.totp_secret  # encrypted
    with app.app_context():
        hashes = list(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and not set(codes) & set(hashes)
    after = client.get("/organiser/two-step").get_data(as_text=True)
    assert secret not in after and not any(code in after for code in codes)
    assert "You have 10 unused recovery codes." in after
    assert audit_entries(app, "auth.two_factor_enabled") == [
        ("auth.two_factor_enabled", organiser_id, organiser_id, {})
    ]


def test_a_wrong_or_missing_code_leaves_two_step_sign_in_off(app, client, clock):
    organiser_id = make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    secret = start_enrolment(client)
    wrong = str((int(code_at(secret)) + 1) % 1_000_000).zfill(6)
    for code in (wrong, "", "abcdef", "1" * 41):
        response = client.post("/organiser/two-step/confirm", data={"code": code})
        assert response.status_code == 422
    wrong_page = client.post("/organiser/two-step/confirm", data={"code": wrong})
    assert "That code is not right" in wrong_page.get_data(as_text=True)
    assert organiser(app, organiser_id).totp_secret is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0


def test_confirming_without_starting_asks_to_start_again(app, client):
    make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    response = client.post("/organiser/two-step/confirm", data={"code": "123456"})
    assert response.status_code == 422
    assert "Start again" in response.get_data(as_text=True)


def test_enrolment_pages_need_a_signed_in_organiser(client):
    assert client.get("/organiser/two-step").status_code == 302
    assert client.post("/organiser/two-step/start").status_code == 302
    assert client.post("/organiser/two-step/confirm", data={"code": "1"}).status_code == 302
    assert (
        client.post("/organiser/two-step/disable")
        .headers["Location"]
        .startswith("/organiser/sign-in")
    )


# --- signing in with a code -----------------------------------------------------------------


def test_the_password_alone_does_not_sign_in(app, client, enrolled):
    first = _password_step(client, next_url="/organiser/events")
    assert first.headers["Location"] == "/organiser/sign-in/code?next=/organiser/events"
    events = client.get("/organiser/events")
    assert events.status_code == 302 and events.headers["Location"].startswith("/organiser/sign-in")
    assert client.get("/organiser/sign-in/code").status_code == 200


def test_a_current_code_signs_in_and_goes_to_next(app, client, enrolled):
    organiser_id, secret, _ = enrolled
    _password_step(client, next_url="/organiser/events")
    done = _second_step(client, code_at(secret), next_url="/organiser/events")
    assert done.status_code == 302 and done.headers["Location"] == "/organiser/events"
    assert client.get("/organiser/events").status_code == 200
    assert audit_entries(app, "auth.signed_in")[-1] == (
        "auth.signed_in",
        organiser_id,
        organiser_id,
        {"second_factor": "totp"},
    )


def test_an_unsafe_next_is_dropped_after_the_code(app, client, enrolled):
    _, secret, _ = enrolled
    _password_step(client, next_url="//evil.example/x")
    done = _second_step(client, code_at(secret), next_url="//evil.example/x")
    assert done.headers["Location"] == "/organiser/events"


def test_a_code_works_once_even_from_another_app_server(app, client, enrolled, app_config):
    _, secret, _ = enrolled
    code = code_at(secret)
    _password_step(client)
    assert _second_step(client, code).status_code == 302
    other_app = create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "INSTANCE_PATH": app.instance_path,
        }
    )
    other = other_app.test_client()
    _password_step(other)
    replay = _second_step(other, code)
    assert replay.status_code == 422
    assert "already used" in replay.get_data(as_text=True)
    assert other.get("/organiser/events").status_code == 302
    with other_app.app_context():
        db.engine.dispose()


def test_codes_one_step_off_are_accepted_two_are_not(app, client, enrolled, clock):
    _, secret, _ = enrolled
    clock.shift(STEP * 4)
    from webapp.db import now_utc

    now = now_utc()
    _password_step(client)
    assert _second_step(client, code_at(secret, now - STEP * 2)).status_code == 422
    assert _second_step(client, code_at(secret, now + STEP * 2)).status_code == 422
    assert _second_step(client, code_at(secret, now - STEP)).status_code == 302
    client.post("/organiser/sign-out")
    _password_step(client)
    # An earlier step than the one accepted last is refused, a later one is fine.
    assert _second_step(client, code_at(secret, now - STEP * 2)).status_code == 422
    assert _second_step(client, code_at(secret, now + STEP)).status_code == 302


def test_recovery_codes_work_once_each(app, client, enrolled):
    organiser_id, _, codes = enrolled
    _password_step(client)
    done = _second_step(client, codes[0].upper().replace("-", " "))  # forgiving typing
    assert done.status_code == 302
    assert audit_entries(app, "auth.recovery_code_used") == [
        ("auth.recovery_code_used", organiser_id, organiser_id, {"remaining": 9})
    ]
    assert audit_entries(app, "auth.signed_in")[-1][3] == {"second_factor": "recovery"}
    client.post("/organiser/sign-out")
    _password_step(client)
    assert _second_step(client, codes[0]).status_code == 422
    assert _second_step(client, codes[1]).status_code == 302


def test_expired_marker_sends_back_to_sign_in(app, client, enrolled, clock):
    _, secret, _ = enrolled
    _password_step(client)
    clock.shift(timedelta(seconds=301))
    late = _second_step(client, code_at(secret))
    assert late.status_code == 302 and late.headers["Location"].startswith("/organiser/sign-in")
    assert client.get("/organiser/events").status_code == 302


def test_tampered_or_foreign_markers_are_refused(app, enrolled):
    organiser_id, _, _ = enrolled
    with app.app_context():
        account = db.session.get(sign_in_steps.Organiser, organiser_id)
        good = sign_in_steps.issue_marker(account, "code", "test-secret-key")
        limits = {"max_age": 300, "max_attempts": 5}
        assert sign_in_steps.read_marker(good, "test-secret-key", "code", **limits) is not None
        assert sign_in_steps.read_marker(good, "test-secret-key", "enrol", **limits) is None
        assert sign_in_steps.read_marker(good, "other-key", "code", **limits) is None
        tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
        assert sign_in_steps.read_marker(tampered, "test-secret-key", "code", **limits) is None
        assert sign_in_steps.read_marker("", "test-secret-key", "code", **limits) is None


def test_the_marker_dies_after_too_many_wrong_codes(app, client, enrolled, app_config):
    organiser_id, secret, _ = enrolled
    _password_step(client)
    saved_cookie = client.get_cookie("session").value
    for _ in range(5):
        assert _second_step(client, "000000").status_code == 422
    assert _second_step(client, code_at(secret)).status_code == 302  # back to the password
    client.set_cookie("session", saved_cookie)  # an older cookie buys no more guesses
    assert (
        _second_step(client, code_at(secret)).headers["Location"].startswith("/organiser/sign-in")
    )
    failures = audit_entries(app, "auth.second_step_failed")
    assert len(failures) == 5 and failures[0][1:3] == (organiser_id, organiser_id)
    _password_step(client)
    assert _second_step(client, code_at(secret)).headers["Location"] == "/organiser/events"


@pytest.fixture
def rate_limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")


def test_the_second_step_is_rate_limited(rate_limited, app, client, enrolled):
    _, secret, _ = enrolled
    _password_step(client)
    for _ in range(3):
        assert _second_step(client, "000000").status_code == 422
    assert _second_step(client, code_at(secret)).status_code == 429


def test_the_second_step_limit_follows_the_account_across_addresses(
    rate_limited, app, client, enrolled
):
    _, secret, _ = enrolled
    first = app.test_client()
    first.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    _password_step(first)
    for _ in range(3):
        assert _second_step(first, "000000").status_code == 422
    second = app.test_client()
    second.environ_base["REMOTE_ADDR"] = "192.0.2.2"
    _password_step(second)
    assert _second_step(second, code_at(secret)).status_code == 429


# --- turning off, new recovery codes ---------------------------------------------------------


def _signed_in_with_code(client, secret):
    _password_step(client)
    assert _second_step(client, code_at(secret)).status_code == 302


def test_new_recovery_codes_need_a_current_code(app, client, enrolled, clock):
    _organiser_id, secret, old_codes = enrolled
    _signed_in_with_code(client, secret)
    clock.shift(STEP)
    refused = client.post("/organiser/two-step/recovery-codes", data={"code": "000000"})
    assert refused.status_code == 422
    made = client.post("/organiser/two-step/recovery-codes", data={"code": code_at(secret)})
    assert made.status_code == 200
    new_codes = shown_codes(made.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert len(audit_entries(app, "auth.recovery_codes_regenerated")) == 1
    client.post("/organiser/sign-out")
    _password_step(client)
    assert _second_step(client, old_codes[2]).status_code == 422
    assert _second_step(client, new_codes[2]).status_code == 302


def test_turning_off_needs_password_and_code(app, client, enrolled, clock):
    organiser_id, secret, _ = enrolled
    _signed_in_with_code(client, secret)
    clock.shift(STEP)
    code = code_at(secret)
    wrong_password = {"password": "not my password", "code": code}
    assert client.post("/organiser/two-step/disable", data=wrong_password).status_code == 422
    assert client.post("/organiser/two-step/disable", data={"password": PASSWORD}).status_code == (
        422
    )
    done = client.post("/organiser/two-step/disable", data={"password": PASSWORD, "code": code})
    assert done.status_code == 302
    assert organiser(app, organiser_id).totp_secret is None
    assert len(audit_entries(app, "auth.two_factor_disabled")) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    client.post("/organiser/sign-out")
    assert sign_in(client, EMAIL).headers["Location"] == "/organiser/events"


# --- the site's requirement and the admin's reset ---------------------------------------------


def _require(app, client, value):
    make_organiser(app, ADMIN, admin=True)
    admin = app.test_client()
    sign_in(admin, ADMIN)
    response = admin.post("/organiser/admin/security", data={"require": value})
    assert response.status_code == 302
    return admin


def test_only_admins_edit_the_requirement_and_bad_values_are_refused(app, client):
    make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    assert client.get("/organiser/admin/security").status_code == 404
    assert client.post("/organiser/admin/security", data={"require": "none"}).status_code == 404
    admin = _require(app, client, "none")
    page = admin.get("/organiser/admin/security").get_data(as_text=True)
    assert (
        '<input checked id="require-0" name="require" required type="radio" value="none">' in page
    )
    assert admin.post("/organiser/admin/security", data={"require": "all"}).status_code == 422
    assert admin.post("/organiser/admin/security", data={}).status_code == 422
    settings = audit_entries(app, "settings.changed")
    assert [entry[3] for entry in settings] == [{"keys": ["security.require_two_factor"]}]


def test_required_enrolment_comes_before_signing_in(app, client, clock):
    organiser_id = make_organiser(app, EMAIL)
    _require(app, client, "everyone")
    first = _password_step(client)
    assert first.headers["Location"].startswith("/organiser/two-step")
    assert client.get("/organiser/events").status_code == 302  # not signed in yet
    assert client.get("/organiser/account/settings").status_code == 302
    page = client.get("/organiser/two-step").get_data(as_text=True)
    assert "required on this site" in page
    _secret, _ = enrol(client)
    assert client.get("/organiser/events").status_code == 200
    assert audit_entries(app, "auth.signed_in")[-1][1:] == (
        organiser_id,
        organiser_id,
        {"second_factor": "totp"},
    )
    off = client.post("/organiser/two-step/disable", data={"password": PASSWORD, "code": "1"})
    assert off.status_code == 422 and "required on this site" in off.get_data(as_text=True)


def test_existing_sessions_are_sent_to_enrolment_when_it_becomes_required(app, client):
    make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    assert client.get("/organiser/events").status_code == 200
    _require(app, client, "everyone")
    for url in ("/organiser/events", "/organiser/account/settings", "/organiser/password"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == (
            "/organiser/two-step"
        )
    assert client.get("/organiser/two-step").status_code == 200
    assert client.post("/organiser/sign-out").status_code == 302


def test_requiring_admins_leaves_other_organisers_free(app, client):
    make_organiser(app, EMAIL)
    admin = _require(app, client, "admins")
    assert sign_in(client, EMAIL).headers["Location"] == "/organiser/events"
    assert admin.get("/organiser/events").headers["Location"] == "/organiser/two-step"


def test_an_admin_resets_a_locked_out_organiser(app, client, enrolled):
    organiser_id, secret, _ = enrolled
    _signed_in_with_code(client, secret)
    admin = _require(app, app.test_client(), "none")
    listing = admin.get("/organiser/accounts").get_data(as_text=True)
    assert f"Reset two-step sign-in of {EMAIL}" in listing
    assert admin.post(f"/organiser/accounts/{organiser_id}/two-step/reset").status_code == 302
    assert client.get("/organiser/events").status_code == 302  # their sessions ended
    stored = organiser(app, organiser_id)
    assert stored.totp_secret is None and stored.must_enrol_two_factor
    assert audit_entries(app, "auth.two_factor_reset")[0][2] == organiser_id
    first = _password_step(client)
    assert first.headers["Location"].startswith("/organiser/two-step")
    enrol(client)
    assert not organiser(app, organiser_id).must_enrol_two_factor
    assert admin.post("/organiser/accounts/9999/two-step/reset").status_code == 404
    assert client.post(f"/organiser/accounts/{organiser_id}/two-step/reset").status_code == 404


# --- CSRF on, end to end ---------------------------------------------------------------------


def test_enrol_and_sign_in_with_csrf_on(app, client, clock):
    app.config["WTF_CSRF_ENABLED"] = True
    make_organiser(app, EMAIL)
    token = csrf_token(client, "/organiser/sign-in")
    data = {"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    assert client.post("/organiser/sign-in", data=data).status_code == 302
    assert client.post("/organiser/two-step/start").status_code == 400
    secret, _ = enrol(client, {"csrf_token": csrf_token(client, "/organiser/two-step")})
    client.post("/organiser/sign-out", data={"csrf_token": csrf_token(client, "/organiser/events")})
    clock.shift(STEP)
    token = csrf_token(client, "/organiser/sign-in")
    data = {"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    assert client.post("/organiser/sign-in", data=data).status_code == 302
    assert _second_step(client, code_at(secret)).status_code == 400
    token = csrf_token(client, "/organiser/sign-in/code")
    done = client.post(
        "/organiser/sign-in/code", data={"code": code_at(secret), "csrf_token": token}
    )
    assert done.status_code == 302
    assert client.get("/organiser/events").status_code == 200


def test_the_command_line_resets_a_locked_out_admin(app, client, enrolled, runner):
    organiser_id, _, _ = enrolled
    result = runner.invoke(args=["organiser", "reset-two-step", EMAIL.upper()])
    assert result.exit_code == 0, result.output
    assert organiser(app, organiser_id).totp_secret is None
    assert audit_entries(app, "auth.two_factor_reset")[0][1:3] == (None, organiser_id)
    unknown = runner.invoke(args=["organiser", "reset-two-step", "nobody@cluster.example"])
    assert unknown.exit_code != 0 and "No organiser" in unknown.output


def test_two_sign_ins_racing_with_one_code_let_only_one_in(app, enrolled):
    _, secret, _ = enrolled
    code = code_at(secret)
    clients = [app.test_client() for _ in range(2)]
    for racer in clients:
        _password_step(racer)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def race(racer):
        barrier.wait()
        results.append(_second_step(racer, code).status_code)

    threads = [threading.Thread(target=race, args=(racer,)) for racer in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [302, 422]


def test_webhook_pages_send_an_organiser_who_must_enrol_to_enrolment(app, client):
    make_organiser(app, EMAIL, admin=True)
    sign_in(client, EMAIL)
    _require(app, client, "everyone")
    for url in ("/organiser/webhooks", "/organiser/webhooks/new", "/organiser/admin/webhooks"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == (
            "/organiser/two-step"
        )
        assert response.headers["Cache-Control"] == "no-store"
    new = client.post("/organiser/webhooks/new", data={"url": "https://example.org/hook"})
    assert new.headers["Location"] == "/organiser/two-step"
    saved = client.post("/organiser/admin/webhooks", data={"allow_private": "y"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/organiser/two-step"
    with app.app_context():
        assert db.session.scalars(sa.select(Webhook)).all() == []
        assert db.session.get(SiteSetting, "webhooks.allow_private_addresses") is None
