"""The organiser's webhook pages: create (with CSRF), clear errors for refused addresses,
deliveries with their answer, test request, retry, pause, new secret, delete; the admin's
setting; nobody else's webhooks; every action audited."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.conftest import ORGANISER_EMAIL, local
from tests.organiser_support import PASSWORD, csrf_token, make_organiser, sign_in
from tests.webhook_support import Receiver, allow_private, deliveries, make_webhook
from webapp.audit import AuditEntry
from webapp.extensions import db
from webapp.site_settings import SiteSetting
from webapp.webhooks import delivery
from webapp.webhooks import views as webhook_views
from webapp.webhooks.models import DeliveryStatus, Webhook


@pytest.fixture
def receiver():
    server = Receiver()
    server.start()
    yield server
    server.stop()


def form(url: str, *types: str, scope: str = "", active: bool = True) -> dict:
    data = {"url": url, "scope": scope, "event_types": list(types or ["registration.created"])}
    if active:
        data["active"] = "y"
    return data


def webhooks(app) -> list[Webhook]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Webhook).order_by(Webhook.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def audit_actions(app) -> list[tuple[str, dict]]:
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, entry.details_dict) for entry in entries]


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_create_needs_the_csrf_token_and_shows_the_secret(csrf_on, app, client, receiver):
    make_organiser(app, ORGANISER_EMAIL)
    client.post(
        "/organiser/sign-in",
        data={
            "email": ORGANISER_EMAIL,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/organiser/sign-in"),
        },
    )
    allow_private(app)

    refused = client.post("/organiser/webhooks/new", data=form(receiver.url))
    assert refused.status_code == 400 or refused.status_code == 422
    assert webhooks(app) == []

    token = csrf_token(client, "/organiser/webhooks/new")
    created = client.post(
        "/organiser/webhooks/new", data={**form(receiver.url), "csrf_token": token}
    )
    assert created.status_code == 302
    [hook] = webhooks(app)
    assert hook.url == receiver.url and hook.types == ["registration.created"]
    assert hook.event_id is None and hook.active and hook.secret.startswith("whsec_")
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert hook.secret in page
    assert audit_actions(app)[-1] == ("webhook.created", {"event_types": ["registration.created"]})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://files.example.org/in", "starting with https:// or http://"),
        ("http://127.0.0.1:9/in", "private or local network"),
        ("http://localhost/in", "private or local network"),
        ("http://[::ffff:127.0.0.1]/in", "private or local network"),
        ("http://169.254.169.254/latest", "private or local network"),
        ("https://user:pw@hooks.example.org/in", "user name or password"),
        ("", "This field is required."),
    ],
)
def test_refused_addresses_get_a_clear_error(app, client, signed_in_organiser, url, message):
    response = client.post("/organiser/webhooks/new", data=form(url))

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert webhooks(app) == []


def test_no_type_chosen_and_a_foreign_event_are_refused(
    app, client, signed_in_organiser, make_event
):
    allow_private(app)
    other = make_organiser(app, "otto@other.example")
    foreign = make_event(owner_id=other)
    none_chosen = {"url": "http://127.0.0.1:9/in", "scope": "", "active": "y"}

    assert client.post("/organiser/webhooks/new", data=none_chosen).status_code == 422
    foreign_scope = form("http://127.0.0.1:9/in", scope=str(foreign.id))
    assert client.post("/organiser/webhooks/new", data=foreign_scope).status_code == 422
    assert (
        client.post("/organiser/webhooks/new", data={**form("x"), "scope": "abc"}).status_code
        == 422
    )
    assert webhooks(app) == []


def test_one_event_scope_is_saved(app, client, signed_in_organiser, make_event):
    allow_private(app)
    mine = make_event(owner_id=signed_in_organiser)
    data = form("http://127.0.0.1:9/in", "event.changed", "event.cancelled", scope=str(mine.id))

    assert client.post("/organiser/webhooks/new", data=data).status_code == 302

    [hook] = webhooks(app)
    assert hook.event_id == mine.id and hook.types == ["event.changed", "event.cancelled"]
    listing = client.get("/organiser/webhooks").get_data(as_text=True)
    assert mine.title in listing and "The event is cancelled" in listing


def test_a_webhook_of_an_event_older_than_those_offered_can_be_edited(
    app, client, signed_in_organiser, make_event, monkeypatch
):
    allow_private(app)
    monkeypatch.setattr(webhook_views, "EVENTS_OFFERED", 1)
    old = make_event(owner_id=signed_in_organiser, start_local=local("2020-05-04 10:00"))
    make_event(owner_id=signed_in_organiser)
    hook_id, _ = make_webhook(app, signed_in_organiser, "http://127.0.0.1:9/in", event_id=old.id)

    page = client.get(f"/organiser/webhooks/{hook_id}").get_data(as_text=True)
    assert f'<option selected value="{old.id}">' in page
    data = form("http://127.0.0.1:9/changed", "event.changed", scope=str(old.id))
    assert client.post(f"/organiser/webhooks/{hook_id}", data=data).status_code == 302
    [hook] = webhooks(app)
    assert hook.event_id == old.id and hook.url == "http://127.0.0.1:9/changed"


def test_ping_then_the_delivery_and_its_answer_are_listed_and_retried(
    app, client, signed_in_organiser, receiver
):
    allow_private(app)
    hook_id, _ = make_webhook(app, signed_in_organiser, receiver.url)
    from tests.webhook_support import Behaviour

    receiver.behaviour = Behaviour(status=503, body=b"<b>maintenance</b>")

    assert client.post(f"/organiser/webhooks/{hook_id}/ping").status_code == 302
    with app.app_context():
        delivery.deliver_due()

    [row] = deliveries(app)
    assert row.event_type == "ping" and row.status == DeliveryStatus.RETRYING
    assert json.loads(receiver.requests[0].body)["data"] == {"webhook": {"id": hook_id}}
    page = client.get(f"/organiser/webhooks/{hook_id}").get_data(as_text=True)
    assert "503" in page and "&lt;b&gt;maintenance&lt;/b&gt;" in page and "Retry now" in page

    receiver.behaviour = Behaviour()
    retry = f"/organiser/webhooks/{hook_id}/deliveries/{row.id}/retry"
    assert client.post(retry).status_code == 302
    with app.app_context():
        delivery.deliver_due()
    assert deliveries(app)[0].status == DeliveryStatus.DELIVERED
    assert client.post(retry).status_code == 409  # delivered: nothing to retry
    actions = [action for action, _ in audit_actions(app)]
    assert "webhook.pinged" in actions and "webhook.delivery_retried" in actions


def test_edit_pause_rotate_and_delete(app, client, signed_in_organiser):
    allow_private(app)
    hook_id, secret = make_webhook(app, signed_in_organiser, "http://127.0.0.1:9/a")

    edited = form("http://127.0.0.1:9/b", "registration.cancelled")
    assert client.post(f"/organiser/webhooks/{hook_id}", data=edited).status_code == 302
    assert client.post(f"/organiser/webhooks/{hook_id}/pause").status_code == 302
    assert not webhooks(app)[0].active
    assert client.post(f"/organiser/webhooks/{hook_id}/rotate").status_code == 302
    [hook] = webhooks(app)
    assert hook.url.endswith("/b") and hook.types == ["registration.cancelled"]
    assert hook.secret != secret
    assert client.post(f"/organiser/webhooks/{hook_id}/delete").status_code == 302
    assert webhooks(app) == []

    assert audit_actions(app)[-4:] == [
        ("webhook.changed", {"fields": ["event_types", "url"]}),
        ("webhook.changed", {"fields": ["active"]}),
        ("webhook.secret_rotated", {}),
        ("webhook.deleted", {}),
    ]


def test_an_edit_to_a_refused_address_changes_nothing(app, client, signed_in_organiser):
    hook_id, _ = make_webhook(app, signed_in_organiser, "https://hooks.example.org/a")

    response = client.post(f"/organiser/webhooks/{hook_id}", data=form("http://10.0.0.1/x"))

    assert response.status_code == 422
    assert webhooks(app)[0].url == "https://hooks.example.org/a"


def test_other_organisers_webhooks_do_not_exist_for_them(app, client, signed_in_organiser):
    other = make_organiser(app, "otto@other.example")
    hook_id, secret = make_webhook(app, other, "https://hooks.example.org/otto")

    assert client.get(f"/organiser/webhooks/{hook_id}").status_code == 404
    for action in ("pause", "rotate", "delete", "ping"):
        assert client.post(f"/organiser/webhooks/{hook_id}/{action}").status_code == 404
    assert "hooks.example.org/otto" not in client.get("/organiser/webhooks").get_data(as_text=True)
    assert webhooks(app)[0].secret == secret


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    response = client.get("/organiser/webhooks")
    assert response.status_code == 302 and "/organiser/sign-in" in response.headers["Location"]


def test_only_admins_change_the_private_address_setting(app, client, signed_in_organiser):
    assert client.get("/organiser/admin/webhooks").status_code == 404
    assert client.post("/organiser/admin/webhooks", data={"allow_private": "y"}).status_code == 404

    make_organiser(app, "admin@convene.example", admin=True)
    client.post("/organiser/sign-out")
    sign_in(client, "admin@convene.example")
    assert client.get("/organiser/admin/webhooks").status_code == 200
    assert client.post("/organiser/admin/webhooks", data={"allow_private": "y"}).status_code == 302

    with app.app_context():
        stored = db.session.get(SiteSetting, "webhooks.allow_private_addresses")
        assert stored.value == "true"
    assert audit_actions(app)[-1] == (
        "settings.changed",
        {"keys": ["webhooks.allow_private_addresses"]},
    )
